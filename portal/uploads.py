"""The two steps of a CSV import page (accounts and advocates; opportunities): check the uploaded
file with a dry run and keep it, then import the kept file when the user confirms."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from portal.boundary import committing
from portal.csvio import MAX_BYTES
from portal.errors import DomainError

R = TypeVar("R")
T = TypeVar("T")


def read_upload(field) -> bytes | None:
    """The file of an upload field, or None (with the field's error) when none was chosen. One
    byte past the importers' limit is read: enough for them to refuse a larger file."""
    file = field.data
    if not file:  # an empty file goes on, to be told it is empty
        field.errors.append("Choose a CSV file.")
        return None
    return file.read(MAX_BYTES + 1)


def check_upload(form, dry_run: Callable[[], R], keep: Callable[[R], str]) -> tuple[R, str] | None:
    """Step one: the import's dry run (it writes nothing; a refusal is shown on `form`), then the
    file kept for step two. (report, token of the kept file), or None when refused."""
    with committing(form=form, fallback="file") as attempt:
        report = dry_run()
        attempt.discard()  # the dry run writes nothing; the checked file is kept (below)
    if attempt.refused:
        return None
    with committing(raises=DomainError):
        token = keep(report)
    return report, token


def confirm_upload(form, take: Callable[[str], T | None], run: Callable[[T], R]):
    """Step two: take the kept file named by `form` and import it. Taking it commits with the
    import, or not at all: a refused import (flashed) keeps it, to confirm again. Returns
    (what was taken, the report): nothing taken when the file is gone, no report when refused."""
    report = None
    with committing() as attempt:
        taken = take(form.upload.data) if form.validate_on_submit() else None
        if taken is None:
            attempt.discard()
        else:
            report = run(taken)
    return taken, None if attempt.refused else report
