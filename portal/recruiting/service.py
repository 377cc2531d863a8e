"""Demo recruiting data: referenceability and invitations for `seed-demo`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db
from portal.recruiting.models import Invitation, Referenceability
from portal.recruiting.pipeline import REMIND_EVERY

DEMO_REASONS = {
    "referenceable": (
        "Live for over a year, measurable results, sponsor is a fan.",
        "Renewed early and expanded; happy to help peers.",
        "Strong champion; presented at our user group.",
    ),
    "not_now": (
        "Mid-implementation: ask again after go-live.",
        "Renewal under negotiation this quarter.",
        "New sponsor since the reorganisation; rebuilding the relationship.",
    ),
    "not_referenceable": ("Legal does not allow the customer to be named.",),
}


def seed_demo_recruiting(now: dt.datetime | None = None) -> dict[str, int]:
    """Demo referenceability for accounts with a CSM, and invitations for invited advocates
    (some reminded, one stale). Core inserts; called by `seed-demo` after the bulk load."""
    now = now or now_utc()
    by_status = {
        "active": "referenceable",
        "candidate": "not_now",
        "paused": "not_now",
        "retired": "not_referenceable",
        "do_not_contact": "not_referenceable",
    }
    health = ("healthy", "healthy", "healthy", "watch", "at_risk")
    refs = []
    for n, (account_id, status, csm_id) in enumerate(
        db.session.execute(
            sa.select(Account.id, Account.status, Account.csm_id)
            .where(Account.csm_id.is_not(None))
            .order_by(Account.id)
        )
    ):
        verdict = by_status.get(status, "not_now")
        reasons = DEMO_REASONS[verdict]
        refs.append(
            {
                "account_id": account_id,
                "status": verdict,
                "reason": reasons[n % len(reasons)],
                "health": health[n % len(health)] if verdict != "not_referenceable" else "watch",
                "nps": (n * 37) % 90 - 10 if n % 3 else None,
                "updated_by_id": csm_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    if refs:
        db.session.execute(sa.insert(Referenceability), refs)
    manager_id = db.session.scalar(
        sa.select(User.id).where(User.role == "manager").order_by(User.id).limit(1)
    )
    invitations = []
    for n, advocate_id in enumerate(
        db.session.scalars(
            sa.select(Advocate.id).where(Advocate.status == "invited").order_by(Advocate.id)
        )
    ):
        reminders = n % 3  # 0, 1 or 2 reminders; the oldest with two is stale
        sent = now - dt.timedelta(days=3 + 7 * reminders + (7 if reminders == 2 else 0))
        invitations.append(
            {
                "advocate_id": advocate_id,
                "invited_by_id": manager_id,
                "sent_at": sent,
                "last_sent_at": sent + REMIND_EVERY * reminders,
                "reminders_sent": reminders,
            }
        )
    if invitations:
        db.session.execute(sa.insert(Invitation), invitations)
    return {"referenceability": len(refs), "invitations": len(invitations)}
