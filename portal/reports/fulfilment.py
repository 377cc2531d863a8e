"""Fulfilment: of the requests created in the range (drafts left out), the share fulfilled or
completed, and their declined asks by reason."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.reports import charts
from portal.reports.aggregates import _flag, _rate, _requests_in_range, _team_filter, _tune
from portal.reports.models import RequestFacts
from portal.reports.params import REPORTS, Params, Report
from portal.vocab import DECLINE_REASONS, label


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
