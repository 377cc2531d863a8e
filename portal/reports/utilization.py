"""Advocate utilization: active advocates by segment, their asks in the 12 months up to the
range's end (withdrawn asks left out), bucketed; "at a limit now" is an advocate the overuse rule
keeps from being asked today (matching's eligibility row, kept by that rule); "never asked" has
no live or past ask at all."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility, Ask
from portal.database import now_utc
from portal.extensions import db
from portal.reports import charts
from portal.reports.aggregates import _flag, _tune
from portal.reports.params import REPORTS, Params, Report
from portal.vocab import SEGMENTS, label

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
