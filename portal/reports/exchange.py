"""The value exchange: ledger points by reason, claims by benefit kind and status, and what
advocates gave (completed asks) against what they got (approved or fulfilled claims) in the
range.

Who gave and who got is defined once (`_gave`, `_received`): the report counts it in its range;
the program team's give-and-get page (`give_and_get`) counts it per advocate over all time, with
the points each earned by activities and the points the claims they got spent (net of those
claims' refunds), the advocates to thank first and the benefits nobody claims.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.permissions import demand
from portal.benefits.claims import LIVE_STATUSES
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.extensions import db
from portal.i18n import gettext
from portal.reports import charts
from portal.reports.aggregates import _flag, _tune
from portal.reports.params import REPORTS, Params, Report
from portal.vocab import BENEFIT_KINDS, CLAIM_STATUSES, LEDGER_REASONS, label

# Claims in these states count as a benefit the advocate received.
RECEIVED_STATUSES = ("approved", "fulfilled")


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


def _in_range(condition, column, params: Params | None):
    """SQL: `condition`, and `column` in the range when there is one (else at any time: the
    give-and-get page)."""
    if params is None:
        return condition
    return sa.and_(condition, column >= params.start_at, column < params.end_at)


def _received(params: Params | None = None):
    """A claim the advocate got: approved or fulfilled, claimed in the range."""
    return _in_range(Claim.status.in_(RECEIVED_STATUSES), Claim.created_at, params)


def _gave(params: Params | None = None):
    """An ask the advocate completed in the range. The status is written into the SQL, not
    bound: SQLite then reads the range from the partial index `ix_asks_completed_at` alone
    instead of fetching every ask's row to check it."""
    return _in_range(Ask.status == sa.literal_column("'completed'"), Ask.completed_at, params)


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


# Give and get ------------------------------------------------------------------------------
# The same definitions per advocate and over all time, for the program team's give-and-get page.

THANK_FIRST = 10


@dataclass
class GiveGetRow:
    """What one advocate gave (completed activities, points earned) and got (benefits
    approved or fulfilled, the points those claims spent)."""

    advocate_id: int
    name: str
    account: str
    activities: dict[str, int]
    given: int
    points_earned: int
    received: int
    points_spent: int

    @property
    def gap(self) -> int:
        return self.given - self.received


@dataclass
class GiveGet:
    rows: list[GiveGetRow]
    thank_first: list[GiveGetRow]
    unclaimed: list[Benefit]


def give_and_get(actor) -> GiveGet:
    """Per advocate, what they gave against what they got; the advocates to thank first (gave
    the most activities beyond the benefits they received, at least one more); and the open
    benefits without a live claim. Advocates who neither gave nor got are left out."""
    demand(actor, "program.manage", gettext("Only the program team sees give and get."))
    activities: dict[int, dict[str, int]] = {}
    for advocate_id, activity_type, n in db.session.execute(
        sa.select(Ask.advocate_id, ReferenceRequest.activity_type, sa.func.count())
        .join(ReferenceRequest, Ask.request_id == ReferenceRequest.id)
        .where(_gave())
        .group_by(Ask.advocate_id, ReferenceRequest.activity_type)
    ):
        activities.setdefault(advocate_id, {})[activity_type] = n
    earned = dict(
        db.session.execute(
            sa.select(LedgerEntry.advocate_id, sa.func.sum(LedgerEntry.delta))
            .where(LedgerEntry.reason == "activity")
            .group_by(LedgerEntry.advocate_id)
        ).all()
    )
    received = dict(
        db.session.execute(
            sa.select(Claim.advocate_id, sa.func.count())
            .where(_received())
            .group_by(Claim.advocate_id)
        ).all()
    )
    spent = dict(
        db.session.execute(
            sa.select(Claim.advocate_id, -sa.func.sum(LedgerEntry.delta))
            .join(LedgerEntry, LedgerEntry.claim_id == Claim.id)
            .where(_received())
            .group_by(Claim.advocate_id)
        ).all()
    )
    ids = set(activities) | set(received)
    people = (
        db.session.execute(
            sa.select(Advocate.id, Advocate.name, Account.name)
            .join(Account, Advocate.account_id == Account.id)
            .where(Advocate.id.in_(ids))
        ).all()
        if ids
        else []
    )
    rows = sorted(
        (
            GiveGetRow(
                advocate_id=advocate_id,
                name=name,
                account=account,
                activities=dict(sorted(activities.get(advocate_id, {}).items())),
                given=sum(activities.get(advocate_id, {}).values()),
                points_earned=int(earned.get(advocate_id) or 0),
                received=int(received.get(advocate_id) or 0),
                points_spent=int(spent.get(advocate_id) or 0),
            )
            for advocate_id, name, account in people
        ),
        key=lambda r: (r.name.lower(), r.advocate_id),
    )
    thank_first = sorted(
        (r for r in rows if r.gap > 0),
        key=lambda r: (-r.gap, r.received, r.points_spent, r.name.lower()),
    )[:THANK_FIRST]
    live = sa.select(Claim.id).where(
        Claim.benefit_id == Benefit.id, Claim.status.in_(LIVE_STATUSES)
    )
    unclaimed = db.session.scalars(
        sa.select(Benefit)
        .where(Benefit.status == "open", ~live.exists())
        .order_by(Benefit.event_date.is_(None), Benefit.event_date, Benefit.id)
    ).all()
    return GiveGet(rows=rows, thank_first=thank_first, unclaimed=list(unclaimed))
