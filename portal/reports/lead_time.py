"""Lead time and rush requests: requests created in the range (drafts left out) that recorded
their notice (the working days from filing to the needed-by date, `portal.asks.lead_time`;
requests filed before lead times were kept have none and are left out), by the requester's
team: how many, how many were rushes (inside their activity type's lead time), the rush share
and the median notice."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.reports import charts
from portal.reports.aggregates import (
    _flag,
    _histogram_median,
    _rate,
    _requests_in_range,
    _team_filter,
    _tune,
)
from portal.reports.models import RequestFacts
from portal.reports.params import REPORTS, Params, Report
from portal.vocab import label


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
