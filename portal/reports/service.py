"""Program reports: each is one to three SQL aggregate queries whatever the data size (plus,
on PostgreSQL, a SET of work_mem), a table, a chart of that table and its CSV.

Requests are read from `report_request_facts` (one narrow row per request with its asks
summed up, kept by `portal.reports.facts`), not from the request rows and every ask, except
where a report is about asks by advocate (utilization before today, the value exchange's
givers). The program page (`summary`) computes each report's totals without its breakdowns,
from the same expressions. Every report takes a date range and a few filters
(`parse_params`): unknown filters, unknown values, reversed or absurd ranges are refused with a
message naming the field. Definitions:

- funnel: requests created in the range (drafts left out) that were submitted, matched (in
  progress or beyond, or asked), asked (one ask or more), accepted (an ask accepted or
  completed) and completed (an ask completed); the median time from the request to its first
  accepted ask (the first answer time of an accepted or completed ask).
- fulfilment: of those requests, the share fulfilled or completed, and their declined asks
  by reason.
- utilization: active advocates by segment, their asks in the 12 months up to the range's end
  (withdrawn asks left out), bucketed; "at a limit now" is an advocate the overuse rule keeps
  from being asked today (matching's eligibility row, kept by that rule); "never asked" has no
  live or past ask at all.
- value (`portal.reports.value`, where it is defined in full): every CRM deal won or lost in
  the range, with or without requests, plus requests with no deal as before; "with a reference"
  has a completed ask; win rates with their sample sizes, influenced revenue and pipeline per
  currency, the median cycle length with and without a reference.
- exchange: ledger points by reason, claims by benefit kind and status, and what advocates
  gave (completed asks) against what they got (approved or fulfilled claims) in the range.
- coverage: program targets due in the range (or with no due date) and their gaps, from the
  recruiting service's `target_gaps`.
- lead_time: requests created in the range (drafts left out) that recorded their notice (the
  working days from filing to the needed-by date, `portal.asks.lead_time`; requests filed before
  lead times were kept have none and are left out), by the requester's team: how many, how
  many were rushes (inside their activity type's lead time), the rush share and the median notice.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal import csvio
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility, Ask
from portal.auth.models import User
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.content.models import ContentUse
from portal.database import now_utc
from portal.extensions import db
from portal.program.service import taxonomy_values
from portal.reports import charts
from portal.reports.models import RequestFacts
from portal.validation import Checker
from portal.vocab import (
    ACTIVITY_TYPES,
    BENEFIT_KINDS,
    CLAIM_STATUSES,
    DECLINE_REASONS,
    LEDGER_REASONS,
    REGIONS,
    SEGMENTS,
    TEAMS,
    label,
)

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


def _rate(part, whole) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _tune() -> None:
    """PostgreSQL: let this transaction's report sorts and hashes stay in memory."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))


def _seconds(later, earlier):
    """SQL: seconds from `earlier` to `later` on PostgreSQL and SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _team_filter(query, params: Params):
    team = params.filters.get("team")
    if team == NO_TEAM:
        query = query.where(User.team.is_(None))
    elif team:
        query = query.where(User.team == team)
    if params.filters.get("activity_type"):
        query = query.where(RequestFacts.activity_type == params.filters["activity_type"])
    return query


def _requests_in_range(params: Params, by_team: bool = True):
    """Requests created in the range, drafts left out, with their requester when the team is
    shown or filtered on."""
    f = RequestFacts
    query = (
        sa.select()
        .select_from(f)
        .where(f.status != "draft", f.created_at >= params.start_at, f.created_at < params.end_at)
    )
    if by_team or params.filters.get("team"):
        query = query.join(User, User.id == f.requester_id)
    return query


def _flag(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


# Funnel ------------------------------------------------------------------------------------

FUNNEL_STAGES = ("submitted", "matched", "asked", "accepted", "completed")


def _days(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 86400.0, 1)


def _per_request(params: Params, by_team: bool = True):
    """One row per request created in the range (drafts left out) with its asks summed up
    (the facts table, one narrow row per request, instead of the requests and every ask)."""
    f = RequestFacts
    return (
        _team_filter(_requests_in_range(params, by_team), params)
        .add_columns(
            (User.team if by_team else sa.null()).label("team"),
            f.activity_type.label("activity"),
            f.status.label("status"),
            f.created_at.label("created_at"),
            f.asks,
            f.accepted,
            f.completed,
            f.declined,
            f.first_accept_at.label("first_accept"),
        )
        .subquery()
    )


def _funnel_base(params: Params, by_team: bool = True):
    """Per request in the range: its team and activity, a 0/1 flag per stage, its declined
    asks and its wait to the first accept (the definitions the funnel and the summary share)."""
    p = _per_request(params, by_team).c
    return sa.select(
        p.team,
        p.activity,
        sa.case(
            (p.status.in_(("in_progress", "fulfilled", "completed")), 1),
            (p.asks > 0, 1),
            else_=0,
        ).label("matched"),
        sa.case((p.asks > 0, 1), else_=0).label("asked"),
        sa.case((p.accepted > 0, 1), else_=0).label("accepted"),
        sa.case((p.completed > 0, 1), (p.status == "completed", 1), else_=0).label("completed"),
        sa.case((p.status.in_(("fulfilled", "completed")), 1), else_=0).label("fulfilled"),
        sa.case((p.status.in_(("cancelled", "expired")), 1), else_=0).label("unmet"),
        p.declined,
        _seconds(p.first_accept, p.created_at).label("wait"),
    ).subquery()


def funnel(params: Params) -> Report:
    """Per request its flags and wait, then counts and medians per group: one query on
    PostgreSQL, two on SQLite."""
    _tune()
    base = _funnel_base(params)
    if db.session.get_bind().dialect.name == "postgresql":
        rows = _funnel_rows_postgresql(base)
    else:
        rows = _funnel_rows_sqlite(base)
    return _funnel_report(params, rows)


def _funnel_totals(params: Params) -> dict:
    """The funnel's figures without its breakdown (the summary): one ungrouped aggregate,
    cheaper than the grouping sets or the windows; its median by percentile_cont on
    PostgreSQL, on SQLite by a second query reading the middle wait(s) in order."""
    base = _funnel_base(params, by_team=False)
    b = base.c
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    row = db.session.execute(
        sa.select(
            sa.literal(None),
            sa.literal(None),
            sa.func.count(),
            *[sa.func.sum(getattr(b, stage)) for stage in FUNNEL_STAGES[1:]],
            sa.func.sum(b.fulfilled),
            sa.func.sum(b.unmet),
            sa.func.sum(b.declined),
            sa.func.percentile_cont(0.5).within_group(b.wait)
            if postgresql
            else sa.func.count(b.wait),
        )
    ).one()
    if postgresql:
        middle = [] if row[-1] is None else [row[-1]]
    else:
        # The middle one of an odd number of waits, the middle two of an even number (the
        # same query whatever the count, so the page's queries don't vary with the data).
        waits = int(row[-1])
        middle = db.session.scalars(
            sa.select(b.wait)
            .where(b.wait.is_not(None))
            .order_by(b.wait)
            .limit(2 - waits % 2 if waits else 0)
            .offset(max(0, (waits - 1) // 2))
        ).all()
    report = _funnel_report(
        params,
        [(*row[:-1], None, sum(middle) if middle else 0, len(middle))] if row[2] else [],
    )
    return {**report.figures, **report.extra}


def _funnel_rows_postgresql(base) -> list[tuple]:
    """PostgreSQL: medians with percentile_cont, the overall row by a grouping set."""
    b = base.c
    total = sa.func.grouping(b.team, b.activity)
    wait = sa.func.percentile_cont(0.5).within_group(b.wait)
    rows = db.session.execute(
        sa.select(
            total,
            b.team,
            b.activity,
            sa.func.count(),
            *[sa.func.sum(getattr(b, stage)) for stage in FUNNEL_STAGES[1:]],
            sa.func.sum(b.fulfilled),
            sa.func.sum(b.unmet),
            sa.func.sum(b.declined),
            wait,
        ).group_by(sa.func.grouping_sets(sa.tuple_(b.team, b.activity), sa.tuple_()))
    ).all()
    overall = next((row[-1] for row in rows if row[0]), None)
    # (team, activity, counts..., fulfilled, unmet, declined, median, overall sum, overall n)
    return [
        (*row[1:], overall if overall is not None else 0, 1 if overall is not None else 0)
        if i == 0
        else (*row[1:], 0, 0)
        for i, row in enumerate(r for r in rows if not r[0])
    ]


def _funnel_rows_sqlite(base) -> list[tuple]:
    """SQLite: the counts per group in one query, the medians from the waits read in a second
    (SQLite's windows sort every wait twice over, several times slower at 100k requests)."""
    b = base.c
    counts = db.session.execute(
        sa.select(
            b.team,
            b.activity,
            sa.func.count(),
            *[sa.func.sum(getattr(b, stage)) for stage in FUNNEL_STAGES[1:]],
            sa.func.sum(b.fulfilled),
            sa.func.sum(b.unmet),
            sa.func.sum(b.declined),
        ).group_by(b.team, b.activity)
    ).all()
    waits: dict[tuple, list[float]] = {}
    for team, activity, wait in db.session.execute(
        sa.select(b.team, b.activity, b.wait).where(b.wait.is_not(None))
    ):
        waits.setdefault((team, activity), []).append(wait)
    every = sorted(wait for group in waits.values() for wait in group)
    middle = every[(len(every) - 1) // 2 : len(every) // 2 + 1]  # one or two, none if empty
    # (team, activity, counts..., fulfilled, unmet, declined, median, overall sum, overall n)
    return [
        (
            *row,
            median(waits.get((row[0], row[1]), ())),
            sum(middle) if i == 0 else 0,
            len(middle) if i == 0 else 0,
        )
        for i, row in enumerate(counts)
    ]


def _funnel_report(params: Params, rows: list[tuple]) -> Report:
    table = []
    totals = [0] * len(FUNNEL_STAGES)
    fulfilled = unmet = declined = 0
    middle_sum, middle_count = 0.0, 0
    for team, activity, *values in rows:
        counts = [int(c or 0) for c in values[: len(FUNNEL_STAGES)]]
        done, lost, turned_down, med, mid_sum, mid_count = values[len(FUNNEL_STAGES) :]
        fulfilled += int(done or 0)
        unmet += int(lost or 0)
        declined += int(turned_down or 0)
        middle_sum += float(mid_sum or 0)
        middle_count += int(mid_count or 0)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        table.append([label(team) if team else "No team", label(activity), *counts, _days(med)])
    table.sort(key=lambda row: (-row[2], row[0], row[1]))
    chart = functools.partial(
        charts.bar,
        "Requests at each stage",
        [label(s) for s in FUNNEL_STAGES],
        {"Requests": totals},
    )
    figures = dict(zip(FUNNEL_STAGES, totals, strict=True))
    figures["median_days_to_first_accept"] = (
        _days(middle_sum / middle_count) if middle_count else None
    )
    return Report(
        "funnel",
        REPORTS["funnel"],
        params,
        ["Team", "Activity", *[label(s) for s in FUNNEL_STAGES], "Median days to first accept"],
        table,
        figures,
        chart,
        extra={"fulfilled": fulfilled, "unmet": unmet, "declined": declined},
    )


# Fulfilment --------------------------------------------------------------------------------


def fulfilment(params: Params) -> Report:
    """One query over the requests in the range and their facts."""
    _tune()
    f = RequestFacts
    done = f.status.in_(("fulfilled", "completed"))
    closed_unmet = f.status.in_(("cancelled", "expired"))
    query = _team_filter(_requests_in_range(params), params).add_columns(
        User.team,
        f.activity_type,
        sa.func.count(),
        _flag(done),
        _flag(closed_unmet),
        sa.func.coalesce(sa.func.sum(f.declined), 0),
        *[
            sa.func.coalesce(sa.func.sum(getattr(f, f"declined_{reason}")), 0)
            for reason in DECLINE_REASONS
        ],
    )
    found = db.session.execute(query.group_by(User.team, f.activity_type)).all()
    requests = [row[:5] for row in found]
    declines = []
    for team, activity, _, _, _, declined, *named in found:
        for reason, n in zip(DECLINE_REASONS, named, strict=True):
            if n:
                declines.append((team, activity, reason, int(n)))
        unnamed = int(declined) - sum(int(n) for n in named)
        if unnamed:
            declines.append((team, activity, None, unnamed))
    reasons = (*DECLINE_REASONS, None)
    by_group: dict[tuple, dict] = {}
    for team, activity, submitted, fulfilled, unmet in requests:
        by_group[(team, activity)] = {
            "submitted": int(submitted),
            "fulfilled": int(fulfilled),
            "unmet": int(unmet),
            "declines": dict.fromkeys(reasons, 0),
        }
    empty = {"submitted": 0, "fulfilled": 0, "unmet": 0}
    for team, activity, reason, count in declines:
        group = by_group.setdefault(
            (team, activity), {**empty, "declines": dict.fromkeys(reasons, 0)}
        )
        group["declines"][reason if reason in DECLINE_REASONS else None] += int(count)
    table = []
    totals = {"submitted": 0, "fulfilled": 0, "unmet": 0}
    reason_totals = dict.fromkeys(reasons, 0)
    for (team, activity), g in sorted(
        by_group.items(), key=lambda item: (-item[1]["submitted"], str(item[0]))
    ):
        for key in totals:
            totals[key] += g[key]
        for reason, n in g["declines"].items():
            reason_totals[reason] += n
        table.append(
            [
                label(team) if team else "No team",
                label(activity),
                g["submitted"],
                g["fulfilled"],
                _rate(g["fulfilled"], g["submitted"]),
                g["unmet"],
                *[g["declines"][r] for r in reasons],
            ]
        )
    shown = [r for r in reasons if reason_totals[r] or r is not None]
    chart = functools.partial(
        charts.bar,
        "Declined asks by reason",
        [label(r) if r else "No reason given" for r in shown],
        {"Declined asks": [reason_totals[r] for r in shown]},
    )
    declined = sum(reason_totals.values())
    figures = {
        "submitted": totals["submitted"],
        "fulfilled": totals["fulfilled"],
        "fulfilment_rate": _rate(totals["fulfilled"], totals["submitted"]),
        "cancelled_or_expired": totals["unmet"],
        "declined_asks": declined,
        "decline_reasons": {(r or "unknown"): reason_totals[r] for r in reasons},
    }
    return Report(
        "fulfilment",
        REPORTS["fulfilment"],
        params,
        ["Team", "Activity", "Requests", "Fulfilled", "Fulfilment rate %", "Cancelled or expired"]
        + [f"Declined: {label(r)}" if r else "Declined: no reason" for r in reasons],
        table,
        figures,
        chart,
    )


# Utilization -------------------------------------------------------------------------------

BUCKETS = ("0", "1", "2", "3", "4-5", "6+")


def utilization(params: Params, now: dt.datetime | None = None) -> Report:
    """When the range ends today, the 12-month counts come from matching's eligibility rows
    (kept by the overuse rule, rolled forward daily); for an earlier end they are counted."""
    _tune()
    now = now or now_utc()
    window_start = params.end_at - dt.timedelta(days=365)
    e = AdvocateEligibility
    query = sa.select().select_from(Advocate).join(Account, Account.id == Advocate.account_id)
    query = query.outerjoin(e, e.advocate_id == Advocate.id)
    if params.end_at > now:
        n = sa.func.coalesce(e.asks_12m, 0)
    else:
        asks = (
            sa.select(Ask.advocate_id, sa.func.count().label("n"))
            .where(
                Ask.asked_at >= window_start,
                Ask.asked_at < params.end_at,
                Ask.status != "withdrawn",
            )
            .group_by(Ask.advocate_id)
            .subquery()
        )
        query = query.outerjoin(asks, asks.c.advocate_id == Advocate.id)
        n = sa.func.coalesce(asks.c.n, 0)
    bucket = sa.case(
        (n == 0, "0"), (n == 1, "1"), (n == 2, "2"), (n == 3, "3"), (n <= 5, "4-5"), else_="6+"
    ).label("bucket")
    at_limit, never = _limit_flags(now)
    query = query.add_columns(
        Account.segment, bucket, sa.func.count(), _flag(at_limit), _flag(never)
    ).where(Advocate.status == "active")
    for name, column in (
        ("segment", Account.segment),
        ("region", Account.region),
        ("industry", Account.industry),
    ):
        if params.filters.get(name):
            query = query.where(column == params.filters[name])
    rows = db.session.execute(query.group_by(Account.segment, bucket)).all()
    by_segment = {
        s: {"buckets": dict.fromkeys(BUCKETS, 0), "at_limit": 0, "never": 0} for s in SEGMENTS
    }
    for segment, b, count, limit, never_asked in rows:
        group = by_segment[segment]
        group["buckets"][b] += int(count)
        group["at_limit"] += int(limit)
        group["never"] += int(never_asked)
    table = []
    for segment in SEGMENTS:
        g = by_segment[segment]
        total = sum(g["buckets"].values())
        if not total and params.filters.get("segment") not in (None, segment):
            continue
        table.append(
            [label(segment), total, *[g["buckets"][b] for b in BUCKETS], g["at_limit"], g["never"]]
        )
    chart = functools.partial(
        charts.bar,
        "Active advocates by asks in the last 12 months",
        [f"{b} asks" for b in BUCKETS],
        {label(s): [by_segment[s]["buckets"][b] for b in BUCKETS] for s in SEGMENTS},
        stacked=True,
    )
    figures = {
        "active_advocates": sum(row[1] for row in table),
        "at_limit_now": sum(g["at_limit"] for g in by_segment.values()),
        "never_asked": sum(g["never"] for g in by_segment.values()),
        "distribution": {b: sum(g["buckets"][b] for g in by_segment.values()) for b in BUCKETS},
    }
    return Report(
        "utilization",
        REPORTS["utilization"],
        params,
        ["Segment", "Active advocates", *[f"{b} asks" for b in BUCKETS], "At a limit now"]
        + ["Never asked"],
        table,
        figures,
        chart,
        notes=f"Asks from {window_start.date():%d %b %Y} to {params.end:%d %b %Y}"
        + (" (as of today's eligibility counts)." if params.end_at > now else "."),
    )


def _limit_flags(now: dt.datetime):
    """(at a limit now, never asked) for an advocate, read off matching's eligibility row."""
    e = AdvocateEligibility
    return sa.and_(e.askable_from.is_not(None), e.askable_from > now), e.last_asked_at.is_(None)


def _utilization_totals(params: Params, now: dt.datetime | None = None) -> dict:
    """Utilization's headline figures without its 12-month buckets (the summary): active
    advocates, those at a limit now and those never asked, from matching's eligibility rows
    alone (each carries its advocate's status, kept by the same flush hook)."""
    at_limit, never = _limit_flags(now or now_utc())
    e = AdvocateEligibility
    row = db.session.execute(
        sa.select(sa.func.count(), _flag(at_limit), _flag(never)).where(e.status == "active")
    ).one()
    return {"active_advocates": row[0], "at_limit_now": int(row[1]), "never_asked": int(row[2])}


# Business value ----------------------------------------------------------------------------
# Its definitions and queries live in `portal.reports.value`, which builds on this module's
# Params and Report: imported when first used, so that either module may be imported first.


def value(params: Params) -> Report:
    """The business value report (`portal.reports.value`)."""
    from portal.reports import value as business_value

    return business_value.report(params)


def _value_totals(params: Params) -> dict:
    """Business value's figures without the breakdown (the summary)."""
    from portal.reports import value as business_value

    return business_value.totals(params)


# Value exchange ----------------------------------------------------------------------------


def _points(params: Params) -> dict[str, list[int]]:
    """Ledger points per reason in the range: [added, taken away (negative)]."""
    in_range = sa.and_(
        LedgerEntry.created_at >= params.start_at, LedgerEntry.created_at < params.end_at
    )
    ledger = db.session.execute(
        sa.select(
            LedgerEntry.reason,
            sa.func.coalesce(sa.func.sum(sa.case((LedgerEntry.delta > 0, LedgerEntry.delta))), 0),
            sa.func.coalesce(sa.func.sum(sa.case((LedgerEntry.delta < 0, LedgerEntry.delta))), 0),
        )
        .where(in_range)
        .group_by(LedgerEntry.reason)
    ).all()
    points = {reason: [0, 0] for reason in LEDGER_REASONS}
    for reason, plus, minus in ledger:
        points[reason] = [int(plus), int(minus)]
    return points


def _received(params: Params):
    """A claim the advocate got: approved or fulfilled, claimed in the range."""
    return sa.and_(
        Claim.status.in_(("approved", "fulfilled")),
        Claim.created_at >= params.start_at,
        Claim.created_at < params.end_at,
    )


def _gave(params: Params):
    """An ask the advocate completed in the range. The status is written into the SQL, not
    bound: SQLite then reads the range from the partial index `ix_asks_completed_at` alone
    instead of fetching every ask's row to check it."""
    return sa.and_(
        Ask.status == sa.literal_column("'completed'"),
        Ask.completed_at >= params.start_at,
        Ask.completed_at < params.end_at,
    )


def _exchange_figures(points, completed, giving, received, gave_only) -> dict:
    return {
        "points_earned": points["activity"][0],
        "points_spent": -(points["claim"][1] + points["refund"][0]),
        "points_adjusted": points["adjustment"][0] + points["adjustment"][1],
        "activities_completed": completed,
        "advocates_who_gave": giving,
        "benefits_received": received,
        "gave_without_getting": gave_only,
        "give_get_ratio": round(received / completed, 2) if completed else None,
    }


def _exchange_totals(params: Params) -> dict:
    """The give/get headline (the summary): points, completed asks and benefits received,
    without the per-advocate pass behind "who gave without getting"."""
    completed, received = db.session.execute(
        sa.select(
            sa.select(sa.func.count()).where(_gave(params)).scalar_subquery(),
            sa.select(sa.func.count(Claim.id)).where(_received(params)).scalar_subquery(),
        )
    ).one()
    return _exchange_figures(_points(params), int(completed), None, int(received), None)


def exchange(params: Params) -> Report:
    _tune()
    points = _points(params)
    claims = db.session.execute(
        sa.select(Benefit.kind, Claim.status, sa.func.count())
        .join(Benefit, Benefit.id == Claim.benefit_id)
        .where(Claim.created_at >= params.start_at, Claim.created_at < params.end_at)
        .group_by(Benefit.kind, Claim.status)
    ).all()
    received = _received(params)
    gave = _gave(params)
    # One pass over the completed asks: per advocate what they gave, and whether they got.
    givers = (
        sa.select(Ask.advocate_id, sa.func.count().label("n"))
        .where(gave)
        .group_by(Ask.advocate_id)
        .cte("givers")
    )
    # The few advocates who got something, as one set (hashed), not a probe per giver.
    got = givers.c.advocate_id.in_(sa.select(Claim.advocate_id).where(received))
    gave_row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(givers.c.n), 0),
            sa.func.count(),
            _flag(~got),
            sa.select(sa.func.count(Claim.id)).where(received).scalar_subquery(),
        ).select_from(givers)
    ).one()
    give_get = (gave_row[0], gave_row[1], gave_row[3], gave_row[2])
    kinds = {kind: dict.fromkeys(CLAIM_STATUSES, 0) for kind in BENEFIT_KINDS}
    for kind, status, count in claims:
        kinds[kind][status] += int(count)
    table = []
    for kind in BENEFIT_KINDS:
        counts = kinds[kind]
        if any(counts.values()):
            table.append([label(kind), *[counts[s] for s in CLAIM_STATUSES]])
    chart = functools.partial(
        charts.bar,
        "Benefit claims by kind",
        [row[0] for row in table],
        {
            "Approved or fulfilled": [row[2] + row[6] for row in table],
            "Requested or waitlisted": [row[1] + row[3] for row in table],
        },
        stacked=True,
    )
    figures = _exchange_figures(points, *(int(v or 0) for v in give_get))
    return Report(
        "exchange",
        REPORTS["exchange"],
        params,
        ["Benefit kind", *[label(s) for s in CLAIM_STATUSES]],
        table,
        figures,
        chart,
        extra={
            "points": [
                [label(reason), points[reason][0], -points[reason][1]] for reason in LEDGER_REASONS
            ]
        },
    )


# Lead time ---------------------------------------------------------------------------------


def _histogram_median(counts: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}."""
    total = sum(counts.values())
    if not total:
        return None
    middle = ((total + 1) // 2, (total + 2) // 2)  # 1-based positions of the middle value(s)
    found, seen = [], 0
    for value in sorted(counts):
        before = seen
        seen += counts[value]
        found += [value for position in middle if before < position <= seen]
    return sum(found) / len(found)


def _lead_time_rows(params: Params) -> list[tuple]:
    """One query: (team, notice days, requests, rushes) for the requests in the range that
    recorded their notice; a few hundred rows at most whatever the number of requests."""
    f = RequestFacts
    query = (
        _team_filter(_requests_in_range(params), params)
        .where(f.notice_days.is_not(None))
        .add_columns(User.team, f.notice_days, sa.func.count(), _flag(f.rush.is_(True)))
        .group_by(User.team, f.notice_days)
    )
    return [tuple(row) for row in db.session.execute(query).all()]


def _lead_time_figures(rows: list[tuple]) -> dict:
    notices: dict[int, int] = {}
    for _, notice, count, _ in rows:
        notices[int(notice)] = notices.get(int(notice), 0) + int(count)
    requests = sum(int(row[2]) for row in rows)
    rush = sum(int(row[3]) for row in rows)
    return {
        "requests": requests,
        "rush": rush,
        "rush_share": _rate(rush, requests),
        "median_notice_days": _histogram_median(notices),
    }


def lead_time(params: Params) -> Report:
    """Notice given and rush requests by the requester's team."""
    _tune()
    rows = _lead_time_rows(params)
    by_team: dict[str | None, list[tuple]] = {}
    for row in rows:
        by_team.setdefault(row[0], []).append(row)
    table = []
    for team, team_rows in by_team.items():
        figures = _lead_time_figures(team_rows)
        table.append(
            [
                label(team) if team else "No team",
                figures["requests"],
                figures["rush"],
                figures["rush_share"],
                figures["median_notice_days"],
            ]
        )
    table.sort(key=lambda row: (-row[1], row[0]))
    chart = functools.partial(
        charts.bar,
        "Requests with enough notice and rush requests, by team",
        [row[0] for row in table],
        {"With notice": [row[1] - row[2] for row in table], "Rush": [row[2] for row in table]},
        stacked=True,
    )
    return Report(
        "lead_time",
        REPORTS["lead_time"],
        params,
        ["Team", "Requests", "Rush requests", "Rush share %", "Median notice (working days)"],
        table,
        _lead_time_figures(rows),
        chart,
        notes="Notice is counted in working days (Monday to Friday) from the day a request was "
        "filed to its needed-by date; a rush was filed inside its activity's lead time.",
    )


# Coverage ----------------------------------------------------------------------------------


def coverage(params: Params) -> Report:
    from portal.recruiting.targets import target_gaps, target_label

    table = []
    for gap in target_gaps():
        target = gap.target
        if target.due_on is not None and not params.start <= target.due_on <= params.end:
            continue
        if any(
            params.filters.get(name) and getattr(target, name) != params.filters[name]
            for name in ("segment", "region")
        ):
            continue
        table.append(
            [
                target_label(target),
                target.due_on.isoformat() if target.due_on else "",
                target.target_count,
                gap.active,
                gap.gap,
                gap.nominated,
            ]
        )
    chart = functools.partial(
        charts.bar,
        "Active advocates against each target",
        [f"#{i + 1}" for i in range(len(table))],
        {"Active": [row[3] for row in table], "Gap": [row[4] for row in table]},
        stacked=True,
        horizontal=True,
    )
    figures = {
        "targets": len(table),
        "targets_met": sum(1 for row in table if row[4] == 0),
        "total_gap": sum(row[4] for row in table),
    }
    return Report(
        "coverage",
        REPORTS["coverage"],
        params,
        ["Target", "Due", "Target count", "Active advocates", "Gap", "In the pipeline"],
        table,
        figures,
        chart,
        notes="Targets due in the range, or with no due date; the chart numbers them as the table.",
    )


BUILDERS = {
    "funnel": funnel,
    "fulfilment": fulfilment,
    "utilization": utilization,
    "value": value,
    "exchange": exchange,
    "coverage": coverage,
    "lead_time": lead_time,
}


def build(name: str, params: Params) -> Report:
    return BUILDERS[name](params)


def summary(params: Params) -> dict:
    """The program's headline figures for the range (the executive page and the API): each
    report's totals, computed without its breakdowns by the same definitions."""
    _tune()
    f = _funnel_totals(params)
    u = _utilization_totals(params)
    v = _value_totals(params)
    e = _exchange_totals(params)
    uses = db.session.scalar(
        sa.select(sa.func.count(ContentUse.id)).where(
            ContentUse.used_at >= params.start_at, ContentUse.used_at < params.end_at
        )
    )
    return {
        "start": params.start,
        "end": params.end,
        "requests": {
            **{stage: f[stage] for stage in FUNNEL_STAGES},
            "median_days_to_first_accept": f["median_days_to_first_accept"],
            "fulfilment_rate": _rate(f["fulfilled"], f["submitted"]),
            "declined_asks": f["declined"],
        },
        "advocates": {
            "active": u["active_advocates"],
            "at_limit_now": u["at_limit_now"],
            "never_asked": u["never_asked"],
        },
        "business_value": {key: v[key] for key in SUMMARY_VALUE},
        "value_exchange": {key: e[key] for key in SUMMARY_EXCHANGE},
        "content_uses": int(uses or 0),
        "lead_time": _lead_time_figures(_lead_time_rows(params)),
    }


SUMMARY_VALUE = (
    "opportunities_with_reference",
    "win_rate_with_reference",
    "opportunities_without_reference",
    "win_rate_without_reference",
    "influenced_revenue",
    # Issue 19: added, never renamed (API clients read the keys above).
    "won_with_reference",
    "won_without_reference",
    "won_revenue",
    "currency",
    "influenced_revenue_by_currency",
    "won_revenue_by_currency",
    "influenced_pipeline",
    "influenced_pipeline_by_currency",
    "open_with_reference",
    "median_cycle_days_with_reference",
    "cycle_sample_with_reference",
    "median_cycle_days_without_reference",
    "cycle_sample_without_reference",
)
SUMMARY_EXCHANGE = (
    "points_earned",
    "points_spent",
    "activities_completed",
    "benefits_received",
    "give_get_ratio",
)


def median(values) -> float | None:
    """Plain median, for tests and the benchmark's figures."""
    values = list(values)
    return statistics.median(values) if values else None
