"""The figures each role's home page shows (read-only queries)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.database import now_utc
from portal.extensions import db

OPEN_REQUEST_STATUSES = ("submitted", "in_progress")


def advocate_home(advocate: Advocate) -> dict:
    waiting = db.session.scalars(
        sa.select(Ask)
        .where(Ask.advocate_id == advocate.id, Ask.status == "pending")
        .order_by(Ask.respond_by)
    ).all()
    upcoming = db.session.scalars(
        sa.select(Ask)
        .where(
            Ask.advocate_id == advocate.id,
            Ask.status == "accepted",
            Ask.scheduled_at >= now_utc(),
        )
        .order_by(Ask.scheduled_at)
    ).all()
    balance = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.advocate_id == advocate.id
        )
    )
    benefits = db.session.scalars(
        sa.select(Benefit).where(Benefit.status == "open").order_by(Benefit.event_date).limit(5)
    ).all()
    return {"waiting": waiting, "upcoming": upcoming, "balance": balance, "benefits": benefits}


def requester_home(user) -> dict:
    requests = db.session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user.id)
        .order_by(ReferenceRequest.created_at.desc())
        .limit(20)
    ).all()
    return {"requests": requests}


def csm_home(user) -> dict:
    advocate_count = (
        sa.select(sa.func.count(Advocate.id))
        .where(Advocate.account_id == Account.id)
        .scalar_subquery()
    )
    active_count = (
        sa.select(sa.func.count(Advocate.id))
        .where(Advocate.account_id == Account.id, Advocate.status == "active")
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Account, advocate_count, active_count)
        .where(Account.csm_id == user.id)
        .order_by(Account.name)
    ).all()
    return {"accounts": rows, **requester_home(user)}


def program_figures() -> dict:
    def count(query):
        return db.session.scalar(query)

    return {
        "active_advocates": count(
            sa.select(sa.func.count()).select_from(Advocate).where(Advocate.status == "active")
        ),
        "nominated_advocates": count(
            sa.select(sa.func.count())
            .select_from(Advocate)
            .where(Advocate.status.in_(("nominated", "invited")))
        ),
        "active_accounts": count(
            sa.select(sa.func.count()).select_from(Account).where(Account.status == "active")
        ),
        "open_requests": count(
            sa.select(sa.func.count())
            .select_from(ReferenceRequest)
            .where(ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES))
        ),
        "pending_asks": count(
            sa.select(sa.func.count()).select_from(Ask).where(Ask.status == "pending")
        ),
        "claims_to_decide": count(
            sa.select(sa.func.count()).select_from(Claim).where(Claim.status == "requested")
        ),
    }


def requests_due(limit: int = 10) -> list[ReferenceRequest]:
    return db.session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES))
        .order_by(ReferenceRequest.needed_by)
        .limit(limit)
    ).all()
