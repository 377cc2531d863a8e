"""The requests funnel: requests created in the range (drafts left out) that were submitted,
matched (in progress or beyond, or asked), asked (one ask or more), accepted (an ask accepted or
completed) and completed (an ask completed); the median time from the request to its first
accepted ask (the first answer time of an accepted or completed ask)."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.reports import charts
from portal.reports.aggregates import _requests_in_range, _team_filter, _tune, median
from portal.reports.models import RequestFacts
from portal.reports.params import REPORTS, Params, Report
from portal.vocab import label

FUNNEL_STAGES = ("submitted", "matched", "asked", "accepted", "completed")


def _seconds(later, earlier):
    """SQL: seconds from `earlier` to `later` on PostgreSQL and SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


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


def _counts(b) -> list:
    """SQL: the requests of `_funnel_base`, how many reached each later stage, were fulfilled or
    closed unmet, and their declined asks (the counts of a funnel row, in its order)."""
    return [
        sa.func.count(),
        *[sa.func.sum(getattr(b, stage)) for stage in FUNNEL_STAGES[1:]],
        sa.func.sum(b.fulfilled),
        sa.func.sum(b.unmet),
        sa.func.sum(b.declined),
    ]


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
            *_counts(b),
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
            *_counts(b),
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
            *_counts(b),
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
