"""List filters from the query string, parsed in one place: a bad value is ignored, and the page
says which filter was not applied (a flash message), rather than failing on the database.

Every list page reads its filters through `ListFilters(request.args)`; values that are not in the
vocabulary, not a whole number in range, not a date, too long or holding a NUL byte (PostgreSQL
refuses those in text) fall back to the default and are named in `ignored`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from flask import flash, request

# PostgreSQL's integer and bigint both hold ids and counts we accept; a bigger one raises there.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
MAX_TEXT = 200
# Dates a calendar can step weeks around without leaving Python's date range.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(9000, 12, 31)


class ListFilters:
    """Cleaned filter values of one list request; `ignored` maps each refused filter to why."""

    def __init__(self, args: Mapping[str, str]):
        self.args = args
        self.ignored: dict[str, str] = {}

    def _raw(self, name: str) -> str | None:
        value = self.args.get(name)
        if value is None:
            return None
        value = value.strip()
        if "\x00" in value:
            self.ignored[name] = "it holds a character that is not allowed"
            return None
        return value or None

    def text(self, name: str, *, max_length: int = MAX_TEXT) -> str:
        value = self._raw(name)
        if value is None:
            return ""
        if len(value) > max_length:
            self.ignored[name] = f"it is longer than {max_length} characters"
            return ""
        return value

    def choice(self, name: str, allowed: Iterable[str], default: str = "") -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value not in set(allowed):
            self.ignored[name] = f"“{_shown(value)}” is not one of its values"
            return default
        return value

    def integer(
        self, name: str, *, minimum: int = 1, maximum: int = MAX_ID, default: int | None = None
    ) -> int | None:
        value = self._raw(name)
        if value is None:
            return default
        if not value.isdecimal() and not (value[:1] == "-" and value[1:].isdecimal()):
            self.ignored[name] = f"“{_shown(value)}” is not a whole number"
            return default
        if len(value) > 12 or not minimum <= int(value) <= maximum:
            self.ignored[name] = f"it must be between {minimum} and {maximum}"
            return default
        return int(value)

    def page(self, name: str = "page") -> int:
        return self.integer(name, maximum=MAX_PAGE, default=1)

    def date(self, name: str) -> dt.date | None:
        value = self._raw(name)
        if value is None:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.ignored[name] = f"“{_shown(value)}” is not a date like 2026-12-31"
            return None
        if not MIN_DATE <= day <= MAX_DATE:
            self.ignored[name] = "it is out of range"
            return None
        return day

    def flag(self, name: str) -> bool:
        return self._raw(name) == "1"

    def announce(self, labels: Mapping[str, str] | None = None) -> None:
        """Tell the viewer, on the page being rendered, which filters were not applied."""
        for name, why in self.ignored.items():
            shown = (labels or {}).get(name, name)
            flash(f"The filter “{shown}” was not applied: {why}.", "warning")


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def current_page() -> int:
    """The list page asked for (`?page=`), 1 when it is not a page number; said so if ignored."""
    args = ListFilters(request.args)
    number = args.page()
    args.announce()
    return number
