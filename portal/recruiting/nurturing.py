"""Nurturing advocates: touchpoints, follow-ups and their digest, advocate health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.models import Ask
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can
from portal.benefits.models import Claim
from portal.database import aware_utc, now_utc
from portal.errors import DomainError, Forbidden, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.notifications.reminders import already_sent, reminder
from portal.notifications.service import queue_email
from portal.recruiting.models import Touchpoint
from portal.recruiting.referenceability import RECEIVED_CLAIMS
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import TOUCHPOINT_KINDS

HEALTH_DAYS = 90
UNDERUSED_DAYS = 180
COUNTED_ASKS = ("pending", "accepted", "declined", "expired", "completed")
TOUCHPOINT_FIELDS = ("kind", "occurred_at", "summary", "follow_up_on")


def _parse_moment(value, c: Checker, name: str):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12))
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            c.error(name, "Use a date and time like 2026-11-30T14:00.")
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def may_nurture(actor, advocate: Advocate) -> bool:
    """Touchpoints, follow-ups and health flags: the program team's for every advocate,
    customer success's for the advocates at the accounts it looks after."""
    if not can(actor, "advocates.nurture"):
        return False
    return can(actor, "program.manage") or advocate.account.csm_id == actor.id


def get_nurtured_advocate(actor, advocate_id: int) -> Advocate:
    """An advocate whose nurturing the actor looks after; others answer NotFound."""
    return get_or_not_found(
        Advocate, advocate_id, "No such advocate.", lambda advocate: may_nurture(actor, advocate)
    )


def get_follow_up(actor, touchpoint_id: int) -> Touchpoint:
    """A touchpoint with an advocate the actor looks after; others answer NotFound."""
    return get_or_not_found(
        Touchpoint,
        touchpoint_id,
        "No such touchpoint.",
        lambda touchpoint: may_nurture(actor, touchpoint.advocate),
    )


def _nurturer_only(actor, advocate: Advocate) -> None:
    if not may_nurture(actor, advocate):
        raise Forbidden("You can only look after advocates at your own accounts.")


def log_touchpoint(actor, advocate: Advocate, data: dict, now: dt.datetime | None = None):
    """Log a call, e-mail, meeting... with an advocate; never in the future."""
    _nurturer_only(actor, advocate)
    now = now or now_utc()
    c = Checker(data, allowed=TOUCHPOINT_FIELDS)
    c.choice("kind", TOUCHPOINT_KINDS, required=True)
    c.text("summary", max_length=5000, required=True)
    c.date("follow_up_on")
    c.plain("summary")
    occurred = _parse_moment(data.get("occurred_at"), c, "occurred_at") or now
    if occurred > now + dt.timedelta(minutes=1):
        c.error("occurred_at", "A touchpoint can't be in the future.")
    clean = c.done()
    if clean.get("follow_up_on") and clean["follow_up_on"] < occurred.date():
        raise ValidationFailed(
            "The follow-up must be on or after the touchpoint.", field="follow_up_on"
        )
    touchpoint = Touchpoint(
        advocate_id=advocate.id,
        kind=clean["kind"],
        summary=clean["summary"],
        follow_up_on=clean.get("follow_up_on"),
        occurred_at=occurred,
        created_by_id=actor.id,
    )
    db.session.add(touchpoint)
    audit.record(
        actor,
        "touchpoint.logged",
        touchpoint,
        {
            "advocate_id": advocate.id,
            "kind": touchpoint.kind,
            "follow_up_on": clean.get("follow_up_on"),
        },
    )
    return touchpoint


def complete_follow_up(actor, touchpoint: Touchpoint) -> None:
    _nurturer_only(actor, touchpoint.advocate)
    if touchpoint.follow_up_on is None or touchpoint.follow_up_done_at is not None:
        raise DomainError("This touchpoint has no open follow-up.")
    touchpoint.follow_up_done_at = now_utc()
    audit.record(actor, "touchpoint.follow_up_done", touchpoint)


def touchpoints_of(advocate: Advocate, limit: int = 50) -> list[Touchpoint]:
    return list(
        db.session.scalars(
            sa.select(Touchpoint)
            .where(Touchpoint.advocate_id == advocate.id)
            .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
            .limit(limit)
        )
    )


def _follow_ups_of(user: User):
    """Whose follow-ups are the user's: the ones a manager set; for customer success, every one
    with an advocate at an account it looks after (whoever set it)."""
    if can(user, "program.manage") or not can(user, "advocates.nurture"):
        return Touchpoint.created_by_id == user.id
    own = (
        sa.select(Advocate.id)
        .join(Account, Advocate.account_id == Account.id)
        .where(Account.csm_id == user.id)
    )
    return Touchpoint.advocate_id.in_(own)


def follow_ups_due(user: User, today: dt.date) -> list[Touchpoint]:
    """Open follow-ups due today or earlier, oldest first: the ones a manager set; for customer
    success, those with the advocates at its own accounts."""
    return list(
        db.session.scalars(
            sa.select(Touchpoint)
            .where(
                _follow_ups_of(user),
                Touchpoint.follow_up_on.is_not(None),
                Touchpoint.follow_up_on <= today,
                Touchpoint.follow_up_done_at.is_(None),
            )
            .options(sa.orm.joinedload(Touchpoint.advocate))
            .order_by(Touchpoint.follow_up_on, Touchpoint.id)
        )
    )


def remind_follow_ups(now: dt.datetime) -> int:
    """A daily digest to each manager of their due follow-ups (one per manager and day)."""
    today = now.date()
    managers = db.session.scalars(
        sa.select(User)
        .where(
            User.active.is_(True),
            User.id.in_(
                sa.select(Touchpoint.created_by_id).where(
                    Touchpoint.follow_up_on.is_not(None),
                    Touchpoint.follow_up_on <= today,
                    Touchpoint.follow_up_done_at.is_(None),
                )
            ),
        )
        .order_by(User.id)
    ).all()
    written = 0
    for manager in managers:
        key = f"follow-ups-due:{manager.id}:{today.isoformat()}"
        if already_sent(key):
            continue
        due = follow_ups_due(manager, today)
        if not due:
            continue
        queue_email(
            "follow_ups_due",
            manager.email,
            f"{len(due)} follow-up{'s' if len(due) != 1 else ''} due",
            dedupe_key=key,
            user=manager,
            due=due,
            link=external_url("recruiting.follow_ups"),
        )
        written += 1
    return written


@dataclass
class Health:
    last_touch: dt.datetime | None
    asks_90d: int
    accepted: int
    declined: int
    answered: int
    benefits: int
    burnout: list[str]
    underused: list[str]

    @property
    def accept_rate(self) -> float | None:
        return self.accepted / self.answered if self.answered else None

    @property
    def decline_rate(self) -> float | None:
        return self.declined / self.answered if self.answered else None


def health_of(advocate: Advocate, now: dt.datetime | None = None) -> Health:
    """The nurturing summary of one advocate, with the burnout and underused flags' reasons."""
    now = now or now_utc()
    since = now - dt.timedelta(days=HEALTH_DAYS)
    last_touch = aware_utc(
        db.session.scalar(
            sa.select(sa.func.max(Touchpoint.occurred_at)).where(
                Touchpoint.advocate_id == advocate.id
            )
        )
    )
    recent = sa.and_(Ask.asked_at >= since, Ask.status.in_(COUNTED_ASKS))
    accepted = Ask.status.in_(("accepted", "completed"))

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    asks_90d, acc, dec, busy, ever = db.session.execute(
        sa.select(
            count(recent),
            count(accepted),
            count(Ask.status == "declined"),
            count(
                sa.and_(
                    Ask.status == "declined",
                    Ask.decline_reason == "too_busy",
                    Ask.responded_at >= since,
                )
            ),
            count(Ask.status.in_(COUNTED_ASKS)),
        ).where(Ask.advocate_id == advocate.id)
    ).one()
    asks_180d = db.session.scalar(
        sa.select(sa.func.count()).where(
            Ask.advocate_id == advocate.id,
            Ask.status.in_(COUNTED_ASKS),
            Ask.asked_at >= now - dt.timedelta(days=UNDERUSED_DAYS),
        )
    )
    benefits = db.session.scalar(
        sa.select(sa.func.count()).where(
            Claim.advocate_id == advocate.id, Claim.status.in_(RECEIVED_CLAIMS)
        )
    )
    burnout: list[str] = []
    limits = overuse.effective_limits(advocate)
    used = overuse.usage(advocate, now)
    for period, count_used, limit in (
        ("monthly", used.month, limits.per_month),
        ("quarterly", used.quarter, limits.per_quarter),
        ("yearly", used.year, limits.per_year),
    ):
        if limit > 0 and count_used >= limit:
            burnout.append(f"at the {period} limit ({count_used} of {limit})")
        elif limit > 1 and count_used == limit - 1:
            burnout.append(f"near the {period} limit ({count_used} of {limit})")
    if busy:
        burnout.append(
            f"declined {busy} ask{'s' if busy != 1 else ''} as too busy "
            f"in the last {HEALTH_DAYS} days"
        )
    underused: list[str] = []
    opted_in = bool(advocate.activity_types)
    if advocate.status == "active" and opted_in:
        if ever == 0:
            underused.append("active and opted in, but never asked")
        elif asks_180d <= 1:
            underused.append(
                f"active and opted in, asked {asks_180d} time{'s' if asks_180d != 1 else ''} "
                f"in the last {UNDERUSED_DAYS} days"
            )
    return Health(
        last_touch=last_touch,
        asks_90d=int(asks_90d),
        accepted=int(acc),
        declined=int(dec),
        answered=int(acc) + int(dec),
        benefits=int(benefits),
        burnout=burnout,
        underused=underused,
    )


def register() -> None:
    """Add the follow-up digest.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    reminder("recruiting.follow_ups")(remind_follow_ups)
