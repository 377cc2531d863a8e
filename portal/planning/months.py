"""The plan's months: 'YYYY-MM' keys, the default quarter and the range asked for."""

from __future__ import annotations

import datetime as dt
import re

from portal.errors import ValidationFailed
from portal.filters import MAX_DATE, MIN_DATE

MAX_MONTHS = 24
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def parse_month(value) -> dt.date | None:
    """'2027-01' as the first day of that month, or None when it is not one."""
    match = _MONTH.match(value.strip()) if isinstance(value, str) else None
    # The list filters' date range: months around it can be stepped without leaving Python's.
    if (
        not match
        or not 1 <= int(match[2]) <= 12
        or not MIN_DATE.year <= int(match[1]) <= MAX_DATE.year
    ):
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """This month and the two after it: a quarter ahead."""
    first = month_of(today)
    return first, next_month(next_month(first))


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], month_of(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def check_range(values: dict, today: dt.date) -> tuple[dt.date, dt.date]:
    """The `from` and `to` months ('YYYY-MM'), the default quarter when absent; a bad value,
    `to` before `from` or more than MAX_MONTHS months is refused naming the field."""
    default_start, default_end = default_range(today)
    errors: dict[str, str] = {}
    found = {}
    for name, default in (("from", default_start), ("to", None)):
        raw = values.get(name)
        if raw in (None, ""):
            found[name] = default
            continue
        month = parse_month(raw)
        if month is None:
            errors[name] = "Use a month like 2027-01."
        found[name] = month
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    start = found["from"]
    end = found["to"]
    if end is None:
        end = default_end if start == default_start else next_month(next_month(start))
    if end < start:
        raise ValidationFailed("The last month is before the first.", field="to")
    if len(month_range(start, end)) > MAX_MONTHS:
        raise ValidationFailed(f"Plan at most {MAX_MONTHS} months at once.", field="to")
    return start, end
