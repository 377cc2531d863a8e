"""What every report shares: its parameters and the Report it returns.

Every report takes a date range and a few filters (`parse_params`): unknown filters, unknown
values, reversed or absurd ranges are refused with a message naming the field. A report is a
table (what the chart shows, what the CSV holds) with its headline figures; its CSV download is
audited (`record_csv_download`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from portal import csvio
from portal.database import now_utc
from portal.program.service import taxonomy_values
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, TEAMS

REPORTS = {
    "funnel": "Requests funnel",
    "fulfilment": "Fulfilment and decline reasons",
    "utilization": "Advocate utilization",
    "value": "Business value",
    "exchange": "Value exchange",
    "coverage": "Coverage of targets",
    "lead_time": "Lead time and rush requests",
}
# Filters each report accepts besides the date range.
FILTERS = {
    "funnel": ("team", "activity_type"),
    "fulfilment": ("team", "activity_type"),
    "utilization": ("segment", "region", "industry"),
    "value": ("by", "team", "industry"),
    "exchange": (),
    "coverage": ("segment", "region"),
    "lead_time": ("team", "activity_type"),
}
VALUE_DIMENSIONS = ("quarter", "team", "industry")
MAX_DAYS = 3 * 366 + 365  # four years: longer ranges are refused as absurd
EARLIEST = dt.date(2000, 1, 1)
NO_TEAM = "none"


@dataclass(frozen=True)
class Params:
    start: dt.date
    end: dt.date
    filters: dict = field(default_factory=dict)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: the first instant after the range's last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)

    def query_args(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), **self.filters}


def _allowed_values(name: str):
    if name == "team":
        return (*TEAMS, NO_TEAM)
    if name == "activity_type":
        return ACTIVITY_TYPES
    if name == "segment":
        return SEGMENTS
    if name == "region":
        return REGIONS
    if name == "industry":
        return sorted(taxonomy_values("industry"))
    if name == "by":
        return VALUE_DIMENSIONS
    raise KeyError(name)


def last_allowed_day(today: dt.date) -> dt.date:
    """The last day a range may reach: the end of next year (what the error message says)."""
    return dt.date(today.year + 1, 12, 31)


def default_range(report: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The range a report shows when none is chosen: the last 12 months, except coverage,
    which is about targets still to reach: from the start of this year to the end of next."""
    if report == "coverage":
        return dt.date(today.year, 1, 1), last_allowed_day(today)
    return today - dt.timedelta(days=364), today


def parse_params(report: str | None, args, today: dt.date | None = None) -> Params:
    """The date range (default: `default_range`) and filters; ValidationFailed if bad."""
    today = today or now_utc().date()
    names = FILTERS[report] if report else ()
    checker = Checker(
        {name: args.get(name) for name in args},
        allowed={"start", "end", *names},
        unknown="Unknown filter.",
    )
    checker.date("start")
    checker.date("end")
    for name in names:
        checker.choice(name, _allowed_values(name))
    if not checker.errors:
        default_start, default_end = default_range(report, today)
        end = checker.clean.get("end") or default_end
        start = checker.clean.get("start") or (
            default_start if "end" not in checker.clean else end - dt.timedelta(days=364)
        )
        if start > end:
            checker.error("start", "The start is after the end: swap them.")
        elif start < EARLIEST or end > last_allowed_day(today):
            checker.error(
                "start" if start < EARLIEST else "end",
                f"Choose dates between {EARLIEST.year} and next year.",
            )
        elif (end - start).days > MAX_DAYS:
            checker.error("start", "The range is longer than four years: choose a shorter one.")
    clean = checker.done()
    return Params(start, end, {name: clean[name] for name in names if clean.get(name)})


@dataclass
class Report:
    """One report: headline figures, the table (what the chart shows, what the CSV holds)."""

    name: str
    title: str
    params: Params
    columns: list[str]
    rows: list[list]
    figures: dict = field(default_factory=dict)
    draw: Callable[[], str] | None = None  # the chart, drawn only when a page shows it
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @functools.cached_property
    def chart(self) -> str:
        """The chart as SVG (the program page and the API read figures only, never this)."""
        return self.draw() if self.draw else ""

    def csv_lines(self) -> Iterator[str]:
        """The table as CSV, line by line (one writer for every export: `portal.csvio`)."""
        return csvio.lines(self.columns, self.rows)

    def csv(self) -> str:
        return "".join(self.csv_lines())


def record_csv_download(actor, report: Report) -> None:
    """Audit a report's CSV download with its filters and row count; the caller commits."""
    csvio.record_export(
        actor, f"report.{report.name}", rows=len(report.rows), filters=report.params.query_args()
    )
