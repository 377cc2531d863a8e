"""The points ledger (program rule 4): balances, entries, a manager's adjustments, who may
read an advocate's ledger, and the expiry of old points.

Ledger: a claim's cost is held (one negative "claim" entry) when it takes a place; approval
turns the hold into the spend without writing more; decline and cancel write a "refund" that
returns whatever the claim still holds. Waitlisted claims hold nothing until promoted.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import LazyString, ngettext

from portal.advocates.models import Advocate
from portal.asks.overuse import lock_advocate
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.benefits.models import LedgerEntry
from portal.database import now_utc
from portal.errors import Forbidden, NotFound, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.i18n import gettext
from portal.notifications.service import queue_email
from portal.validation import Checker


def balance(advocate_id: int) -> int:
    """The advocate's points: the sum of their ledger entries."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.advocate_id == advocate_id
            )
        )
    )


def claim_holding(claim_id: int) -> int:
    """Points the claim holds or spent now (positive): minus the sum of its entries."""
    return -int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.claim_id == claim_id
            )
        )
    )


def ledger_query(advocate_id: int) -> sa.Select:
    """The advocate's entries, newest first."""
    return (
        sa.select(LedgerEntry)
        .where(LedgerEntry.advocate_id == advocate_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
    )


def _entry(advocate_id: int, delta: int, reason: str, actor=None, **fields) -> LedgerEntry:
    entry = LedgerEntry(
        advocate_id=advocate_id,
        delta=delta,
        reason=reason,
        created_by_id=getattr(actor, "id", None),
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def adjust_points(actor, advocate: Advocate, delta, memo) -> LedgerEntry:
    """A manager's adjustment with a memo; a balance never goes below zero."""
    demand(actor, "program.manage", gettext("Only the program team adjusts points."))
    c = Checker({"delta": delta, "memo": memo}, allowed=("delta", "memo"))
    c.integer("delta", minimum=-1_000_000, maximum=1_000_000, required=True)
    c.text("memo", max_length=500, required=True)
    if c.clean.get("delta") == 0:
        c.error("delta", "Must not be zero.")
    clean = c.done()
    lock_advocate(advocate.id)
    have = balance(advocate.id)
    if have + clean["delta"] < 0:
        raise ValidationFailed(
            f"{advocate.name} has {_points(have)}; the balance can't go below zero.",
            field="delta",
        )
    entry = _entry(advocate.id, clean["delta"], "adjustment", actor, memo=clean["memo"])
    audit.record(
        actor, "ledger.adjusted", entry, {"advocate_id": advocate.id, **clean, "balance": have}
    )
    return entry


def ledger_advocate(actor, advocate_id: int) -> Advocate:
    """The advocate whose ledger the actor may read: self, or any for the program team.

    Others are refused before the lookup, so the answer never tells which ids exist."""
    if not (can(actor, "program.manage") or can(actor, "advocate.self")):
        raise Forbidden(gettext("Only the advocate and the program team see a points ledger."))
    advocate = get_or_not_found(Advocate, advocate_id, gettext("No such advocate."))
    if can(actor, "program.manage"):
        return advocate
    own = getattr(actor, "advocate", None)
    if own is None or own.id != advocate.id:
        raise NotFound(gettext("No such advocate."))
    return advocate


# Points expiry (program setting "points_expiry_months"; off when empty) --------------------

EXPIRY_MEMO = "Points expired"
WARN_DAYS = 30


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _expiring(advocate_id: int, cutoff: dt.date) -> int:
    """Points earned before `cutoff` not yet used, first earned first used (FIFO).

    Earned = positive activity and adjustment entries. Everything else that lowered the
    balance (claims, negative adjustments, earlier expiries; net of refunds) used the oldest
    points first.
    """
    earned = (LedgerEntry.delta > 0) & LedgerEntry.reason.in_(("activity", "adjustment"))
    start = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    total, old = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((earned, LedgerEntry.delta), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((earned & (LedgerEntry.created_at < start), LedgerEntry.delta), else_=0)
                ),
                0,
            ),
        ).where(LedgerEntry.advocate_id == advocate_id)
    ).one()
    used = int(total) - balance(advocate_id)
    return max(0, int(old) - used)


def expire_points(actor=None, today: dt.date | None = None) -> tuple[int, int]:
    """Expire points older than the program's months (a ledger entry each) and tell advocates
    whose points expire within 30 days. (advocates whose points expired, advocates told)."""
    from portal.audit.models import AuditEvent
    from portal.program.service import get_setting

    months = get_setting("points_expiry_months")
    if not months:
        return 0, 0
    today = today or now_utc().date()
    cutoff = _months_before(today, int(months))
    warn_cutoff = _months_before(today + dt.timedelta(days=WARN_DAYS), int(months))
    expired = told = 0
    ids = db.session.scalars(sa.select(LedgerEntry.advocate_id).distinct()).all()
    for advocate_id in ids:
        lock_advocate(advocate_id)
        due = _expiring(advocate_id, cutoff)
        if due:
            entry = _entry(advocate_id, -due, "adjustment", actor, memo=EXPIRY_MEMO)
            audit.record(actor, "ledger.expired", entry, {"points": due, "before": cutoff})
            expired += 1
        soon = _expiring(advocate_id, warn_cutoff)
        if not soon:
            continue
        since = now_utc() - dt.timedelta(days=WARN_DAYS)
        warned = db.session.scalar(
            sa.select(AuditEvent.id).where(
                AuditEvent.action == "ledger.expiry_warned",
                AuditEvent.entity == "advocates",
                AuditEvent.entity_id == advocate_id,
                AuditEvent.at >= since,
            )
        )
        advocate = db.session.get(Advocate, advocate_id)
        if warned or advocate is None or not advocate.email:
            continue
        queue_email(
            "claim_points_expiring",
            advocate.email,
            # Lazy: written in the advocate's language when queued (`make i18n-extract` reads
            # ngettext, not lazy_ngettext).
            LazyString(
                lambda n=soon: ngettext(
                    "%(num)s point expire soon", "%(num)s points expire soon", n
                )
            ),
            advocate=advocate,
            points=soon,
            on=today + dt.timedelta(days=WARN_DAYS),
        )
        audit.record(actor, "ledger.expiry_warned", advocate, {"points": soon})
        told += 1
    return expired, told
