"""The request boundary of the HTML views: each page commits once, or rolls back and shows why.

`committing()` wraps the service calls of a request; `commit_or_show` is the one-call form.
No page module commits or rolls back the session itself (tests/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import flash

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import show_service_errors

T = TypeVar("T")
REFUSED = object()  # what `commit_or_show` returns when the service refused the change


@dataclass
class Attempt:
    """What became of the changes in a `committing()` block: `error` is the refusal, if any."""

    error: DomainError | None = None
    discarded: bool = False

    @property
    def refused(self) -> bool:
        return self.error is not None

    def discard(self) -> None:
        """Roll back instead of committing at the end of the block (nothing came of it)."""
        self.discarded = True


@contextmanager
def committing(
    *,
    form=None,
    fallback: str | None = None,
    show: bool = True,
    catches: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
    raises: type[DomainError] | tuple[type[DomainError], ...] = (),
    keep_refused: bool = False,
) -> Iterator[Attempt]:
    """Commit the changes made in the block; when a service refuses them (a DomainError), roll
    back and hand the refusal to the caller on the `Attempt` instead of raising it.

    The refusal is shown unless `show` is false: next to `form`'s fields (`fallback` names the
    field of an error that names none), else as a flash message. Only the refusals of a type
    in `catches` are handed over: the others, and those of a type in `raises` (NotFound for the
    404 page; DomainError for every refusal), are rolled back and raised to the error handlers
    (portal/errors.py), which show their page. With `keep_refused`, what the block wrote before
    a refusal it hands over is committed, not rolled back (a user provisioned, then refused).
    """
    attempt = Attempt()
    try:
        yield attempt
    except DomainError as error:
        if isinstance(error, raises) or not isinstance(error, catches):
            db.session.rollback()
            raise
        if keep_refused:
            db.session.commit()
        else:
            db.session.rollback()
        attempt.error = error
        if show and form is None:
            flash(error.message, "error")
        elif show:
            show_service_errors(form, error, fallback)
        return
    if attempt.discarded:
        db.session.rollback()
    else:
        db.session.commit()


def commit_or_show(
    change: Callable[..., T], *args, form=None, fallback: str | None = None, **kwargs
):
    """Run the service call `change(*args, **kwargs)` at the request's boundary.

    When it succeeds, commit and return its result. When the service refuses (a DomainError),
    roll back, show why (next to `form`'s fields, or as a flash message without a form) and
    return `REFUSED`, so the view shows the form again or goes back.
    """
    result = REFUSED
    with committing(form=form, fallback=fallback):
        result = change(*args, **kwargs)
    return result
