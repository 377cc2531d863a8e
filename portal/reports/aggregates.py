"""The pieces of SQL and arithmetic the reports share: the PostgreSQL tuning of a report's
transaction, 0/1 flags summed, the requests of a range by team and activity, rates and medians.

Requests are read from `report_request_facts` (one narrow row per request with its asks
summed up, kept by `portal.reports.facts`), not from the request rows and every ask, except
where a report is about asks by advocate (utilization before today, the value exchange's
givers).
"""

from __future__ import annotations

import statistics

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.reports.models import RequestFacts
from portal.reports.params import NO_TEAM, Params


def _rate(part, whole) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _tune() -> None:
    """PostgreSQL: let this transaction's report sorts and hashes stay in memory."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))


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


def median(values) -> float | None:
    """Plain median, for tests and the benchmark's figures."""
    values = list(values)
    return statistics.median(values) if values else None
