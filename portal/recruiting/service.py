"""Recruiting and nurturing: referenceable accounts, the pipeline and invitations, touchpoints,
follow-ups, advocate health, program targets and their gaps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy.orm import load_only

from portal.accounts.models import Account
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.eligibility_row import ACTIVITY_BITS
from portal.asks.models import AdvocateEligibility, Ask
from portal.audit import service as audit
from portal.auth import service as auth_service
from portal.auth.links import LinkError, issue_link_token, peek_link_token, use_link_token
from portal.auth.models import User
from portal.auth.permissions import can
from portal.benefits.models import Claim
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.reminders import already_sent, reminder
from portal.notifications.service import program_name, queue_email
from portal.program.service import taxonomy_values
from portal.recruiting.models import Invitation, Referenceability, Target, Touchpoint
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import (
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    REFERENCEABILITY,
    REGIONS,
    RELATIONSHIP_HEALTH,
    SEGMENTS,
    TOUCHPOINT_KINDS,
    label,
)

INVITE_PURPOSE = "advocate-invitation"
REMIND_EVERY = dt.timedelta(days=7)
MAX_REMINDERS = 2
HEALTH_DAYS = 90
UNDERUSED_DAYS = 180
PIPELINE = ("nominated", "invited")
COUNTED_ASKS = ("pending", "accepted", "declined", "expired", "completed")
RECEIVED_CLAIMS = ("approved", "fulfilled")


def _program_only(actor) -> None:
    if not can(actor, "program.manage"):
        raise Forbidden("Only the program team can do this.")


# Customer success: referenceable accounts and their participation ----------------------------


def _may_look_after(actor, account: Account) -> bool:
    """Customer success looks after its own accounts; the program team after every one."""
    if not can(actor, "accounts.edit"):
        return False
    return can(actor, "program.manage") or account.csm_id == actor.id


def get_own_account(actor, account_id: int) -> Account:
    """An account the CSM looks after (any for the program team); others answer NotFound."""
    account = db.session.get(Account, account_id)
    if account is None or not _may_look_after(actor, account):
        raise NotFound("No such account.")
    return account


def referenceability_of(account: Account) -> Referenceability | None:
    return db.session.scalar(
        sa.select(Referenceability).where(Referenceability.account_id == account.id)
    )


def set_referenceability(actor, account: Account, data: dict) -> Referenceability:
    """Record whether an account may be asked for references, why, its health and NPS."""
    if not _may_look_after(actor, account):
        raise Forbidden("You can only rate accounts you look after.")
    c = Checker(data, allowed=("status", "reason", "health", "nps"))
    c.choice("status", REFERENCEABILITY, required=True)
    c.text("reason", max_length=2000, required=True)
    c.choice("health", RELATIONSHIP_HEALTH)
    c.integer("nps", minimum=-100, maximum=100)
    c.plain("reason")
    clean = c.done()
    row = referenceability_of(account)
    if row is None:
        row = Referenceability(account_id=account.id, updated_by_id=actor.id, **clean)
        db.session.add(row)
        audit.record(actor, "account.referenceability_set", account, clean)
        return row
    changed = audit.changes(row, clean)
    if changed:
        row.updated_by_id = actor.id
        audit.record(actor, "account.referenceability_set", account, changed)
    return row


@dataclass
class AccountParticipation:
    account: Account
    referenceability: Referenceability | None
    advocates: dict[str, int] = field(default_factory=dict)  # status -> count
    asks: dict[str, int] = field(default_factory=dict)  # ask status -> count
    benefits: int = 0
    last_ask_at: dt.datetime | None = None


def participation_query(actor, account_ids: list[int] | None = None) -> sa.Select:
    """The accounts whose participation `actor` sees (a CSM: their own), by name."""
    if not can(actor, "accounts.edit"):
        raise Forbidden("Only customer success and the program team see participation.")
    query = sa.select(Account).order_by(Account.name, Account.id)
    if not can(actor, "program.manage"):
        query = query.where(Account.csm_id == actor.id)
    if account_ids is not None:
        query = query.where(Account.id.in_(account_ids))
    return query


def participation(
    actor, account_ids: list[int] | None = None, *, accounts: list[Account] | None = None
) -> list[AccountParticipation]:
    """Per account the CSM looks after (or per one of `accounts`, a page of
    `participation_query`): referenceability, advocates by status, asks by outcome and benefits
    received, in four queries."""
    if accounts is None:
        accounts = db.session.scalars(participation_query(actor, account_ids)).all()
    elif not can(actor, "accounts.edit"):
        raise Forbidden("Only customer success and the program team see participation.")
    rows = {a.id: AccountParticipation(a, None) for a in accounts}
    if not rows:
        return []
    ids = list(rows)
    for ref in db.session.scalars(
        sa.select(Referenceability).where(Referenceability.account_id.in_(ids))
    ):
        rows[ref.account_id].referenceability = ref
    for account_id, status, count in db.session.execute(
        sa.select(Advocate.account_id, Advocate.status, sa.func.count())
        .where(Advocate.account_id.in_(ids))
        .group_by(Advocate.account_id, Advocate.status)
    ):
        rows[account_id].advocates[status] = count
    for account_id, status, count, last in db.session.execute(
        sa.select(Advocate.account_id, Ask.status, sa.func.count(), sa.func.max(Ask.asked_at))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .where(Advocate.account_id.in_(ids))
        .group_by(Advocate.account_id, Ask.status)
    ):
        row = rows[account_id]
        row.asks[status] = count
        last = _aware(last)
        if last and (row.last_ask_at is None or last > row.last_ask_at):
            row.last_ask_at = last
    for account_id, count in db.session.execute(
        sa.select(Advocate.account_id, sa.func.count())
        .join(Claim, Claim.advocate_id == Advocate.id)
        .where(Advocate.account_id.in_(ids), Claim.status.in_(RECEIVED_CLAIMS))
        .group_by(Advocate.account_id)
    ):
        rows[account_id].benefits = count
    return list(rows.values())


def recent_asks_of_account(account: Account, limit: int = 10) -> list[Ask]:
    return list(
        db.session.scalars(
            sa.select(Ask)
            .join(Advocate, Ask.advocate_id == Advocate.id)
            .where(Advocate.account_id == account.id)
            .order_by(Ask.asked_at.desc(), Ask.id.desc())
            .limit(limit)
        )
    )


def _aware(value):
    """SQLite returns aggregates of timestamps untyped."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


# The pipeline ---------------------------------------------------------------------------------

PIPELINE_FILTERS = ("industry", "region", "segment", "product", "nominated_by")


def _has_product(product: str):
    """The advocate or their account uses `product` (matching's compact criteria row)."""
    return sa.exists().where(
        AdvocateEligibility.advocate_id == Advocate.id,
        AdvocateEligibility.products.contains(f"|{product}|", autoescape=True),
    )


ACCOUNT_FILTERS = {
    "industry": Account.industry,
    "region": Account.region,
    "segment": Account.segment,
}


def _pipeline_conditions(filters: dict) -> list:
    conditions = [
        column == filters[name] for name, column in ACCOUNT_FILTERS.items() if filters.get(name)
    ]
    if filters.get("nominated_by"):
        conditions.append(Advocate.nominated_by_id == filters["nominated_by"])
    if filters.get("product"):
        conditions.append(_has_product(filters["product"]))
    return conditions


def pipeline_query(actor, filters: dict) -> sa.Select:
    """Advocates on the board, filtered by account facts, product and who nominated them."""
    _program_only(actor)
    return sa.select(Advocate).join(Advocate.account).where(*_pipeline_conditions(filters))


def pipeline_board(actor, filters: dict, per_column: int = 50) -> dict:
    """{status: {"count", "advocates"}} for every status, newest first, capped per column."""
    base = pipeline_query(actor, filters)
    counting = sa.select(Advocate.status, sa.func.count()).select_from(Advocate)
    if any(filters.get(name) for name in ACCOUNT_FILTERS):  # else every advocate has one
        counting = counting.join(Advocate.account)
    counts = dict(
        db.session.execute(
            counting.where(*_pipeline_conditions(filters)).group_by(Advocate.status)
        ).all()
    )
    board = {}
    for status in ADVOCATE_STATUSES:
        advocates = db.session.scalars(
            base.where(Advocate.status == status)
            .options(sa.orm.contains_eager(Advocate.account))
            .order_by(Advocate.updated_at.desc(), Advocate.id.desc())
            .limit(per_column)
        ).all()
        board[status] = {"count": counts.get(status, 0), "advocates": advocates}
    return board


def open_invitations(advocate_ids: list[int]) -> dict[int, Invitation]:
    if not advocate_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.advocate_id.in_(advocate_ids),
            Invitation.accepted_at.is_(None),
            Invitation.closed_at.is_(None),
        )
    )
    return {row.advocate_id: row for row in rows}


def is_stale(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    """Both reminders sent and a week gone since the last one, with no answer."""
    now = now or now_utc()
    return (
        invitation.accepted_at is None
        and invitation.reminders_sent >= MAX_REMINDERS
        and now - invitation.last_sent_at >= REMIND_EVERY
    )


def nominators() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(sa.exists().where(Advocate.nominated_by_id == User.id))
            .order_by(User.name)
        )
    )


def move_advocate(actor, advocate: Advocate, status: str, reason: str | None = None) -> None:
    """A move on the board: through the advocates' lifecycle; inviting sends the invitation."""
    _program_only(actor)
    if status == "invited":
        invite_advocate(actor, advocate)
        return
    advocates_service.change_status(actor, advocate, status, reason)
    _close_invitations(advocate)  # answered or withdrawn: no more reminders


def _close_invitations(advocate: Advocate) -> None:
    for invitation in open_invitations([advocate.id]).values():
        invitation.closed_at = now_utc()


def _link_max_age() -> int:
    return current_app.config["INVITATION_LINK_MAX_AGE"]


def _invitation_link(advocate: Advocate) -> str:
    token = issue_link_token(advocate.user, INVITE_PURPOSE, _link_max_age(), target_id=advocate.id)
    return external_url("welcome.accept", token=token)


def invite_advocate(actor, advocate: Advocate) -> Invitation:
    """nominated -> invited: a login without password and an e-mail with a single-use link to
    accept the program terms and choose a password."""
    _program_only(actor)
    advocates_service.check_move(advocate, "invited")
    if advocate.anonymized_at is not None:
        raise DomainError("This advocate's data was erased.", field="status")
    _ensure_login(actor, advocate)
    advocates_service.move_status(actor, advocate, "invited")
    _close_invitations(advocate)
    invitation = Invitation(advocate_id=advocate.id, invited_by_id=actor.id)
    db.session.add(invitation)
    _send_invitation_mail(advocate, actor, "advocate_invitation", reminder_number=0)
    audit.record(actor, "advocate.invited", advocate, {"email": advocate.email})
    return invitation


def _ensure_login(actor, advocate: Advocate) -> None:
    """The invitee's login, without a password until they accept."""
    if advocate.user is not None:
        return
    user = db.session.scalar(
        sa.select(User).where(User.email == auth_service.normalize_email(advocate.email))
    )
    if user is not None:
        raise DomainError(
            "A user with this e-mail already exists and is not this advocate.", field="email"
        )
    auth_service.create_user(actor, email=advocate.email, role="advocate", invite=False)
    db.session.expire(advocate, ["user"])


def _send_invitation_mail(
    advocate: Advocate, inviter, template: str, reminder_number: int, dedupe_key=None
):
    subject = (
        lazy_gettext("You are invited to %(program)s", program=program_name())
        if reminder_number == 0
        else lazy_gettext("Reminder: your invitation to %(program)s", program=program_name())
    )
    return queue_email(
        template,
        advocate.email,
        subject,
        dedupe_key=dedupe_key,
        advocate=advocate,
        inviter=inviter,
        link=_invitation_link(advocate),
        days=_link_max_age() // 86400,
        reason=advocate.nomination_reason,
    )


def check_welcome_link(token: str) -> Advocate:
    """The advocate a welcome link is for; LinkError when expired, used or tampered."""
    row = peek_link_token(token, INVITE_PURPOSE, _link_max_age())
    advocate = db.session.get(Advocate, row.target_id)
    if advocate is None or advocate.user_id != row.user_id or advocate.status != "invited":
        raise LinkError("invalid", "This invitation is no longer open.")
    return advocate


def accept_invitation(
    token: str, *, password: str, accept_terms: bool, terms_version: str | None = None
) -> User:
    """The invitee accepts the program terms (the version they read) and chooses a password:
    invited -> active."""
    advocate = check_welcome_link(token)
    if not accept_terms:
        raise ValidationFailed("Accept the program terms to join.", field="accept_terms")
    auth_service.check_password_rules(password, email=advocate.email, name=advocate.name)
    use_link_token(token, INVITE_PURPOSE, _link_max_age())
    user = advocate.user
    user.set_password(password)
    advocates_service.accept_terms(user, advocate, version=terms_version)
    advocates_service.move_status(user, advocate, "active", "accepted the invitation")
    for invitation in open_invitations([advocate.id]).values():
        invitation.accepted_at = now_utc()
    audit.record(user, "advocate.invitation_accepted", advocate)
    return user


def decline_invitation(token: str) -> Advocate:
    """The invitee says no: invited -> declined; the link is spent."""
    advocate = check_welcome_link(token)
    use_link_token(token, INVITE_PURPOSE, _link_max_age())
    advocates_service.move_status(advocate.user, advocate, "declined", "declined the invitation")
    _close_invitations(advocate)
    return advocate


def remind_invitations(now: dt.datetime) -> int:
    """Unanswered invitations: a reminder a week after the invitation and another a week later;
    after that the invitation shows as stale on the board."""
    due = db.session.scalars(
        sa.select(Invitation)
        .join(Advocate, Invitation.advocate_id == Advocate.id)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.closed_at.is_(None),
            Invitation.reminders_sent < MAX_REMINDERS,
            Invitation.last_sent_at <= now - REMIND_EVERY,
            Advocate.status == "invited",
        )
    ).all()
    written = 0
    for invitation in due:
        number = invitation.reminders_sent + 1
        key = f"invitation-reminder:{invitation.id}:{number}"
        if already_sent(key):
            continue
        try:
            _ensure_login(None, invitation.advocate)
        except DomainError:
            continue  # the e-mail became another user's: the board shows the invitation stale
        _send_invitation_mail(
            invitation.advocate,
            invitation.invited_by,
            "advocate_invitation_reminder",
            number,
            dedupe_key=key,
        )
        invitation.reminders_sent = number
        invitation.last_sent_at = now
        written += 1
    return written


# Nurturing: touchpoints, follow-ups, health -------------------------------------------------

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
    advocate = db.session.get(Advocate, advocate_id)
    if advocate is None or not may_nurture(actor, advocate):
        raise NotFound("No such advocate.")
    return advocate


def get_follow_up(actor, touchpoint_id: int) -> Touchpoint:
    """A touchpoint with an advocate the actor looks after; others answer NotFound."""
    touchpoint = db.session.get(Touchpoint, touchpoint_id)
    if touchpoint is None or not may_nurture(actor, touchpoint.advocate):
        raise NotFound("No such touchpoint.")
    return touchpoint


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
    last_touch = _aware(
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


# Targets and gaps -------------------------------------------------------------------------------

TARGET_FIELDS = (
    "industry",
    "product",
    "region",
    "segment",
    "activity_type",
    "target_count",
    "due_on",
)


def check_target_data(data: dict) -> dict:
    c = Checker(data, allowed=TARGET_FIELDS)
    c.choice("industry", taxonomy_values("industry"))
    c.choice("product", taxonomy_values("product"))
    c.choice("region", REGIONS)
    c.choice("segment", SEGMENTS)
    c.choice("activity_type", ACTIVITY_TYPES)
    c.integer("target_count", minimum=1, maximum=100_000, required=True)
    c.date("due_on")
    return c.done()


def create_target(actor, data: dict) -> Target:
    """A goal such as '12 active banking advocates in EMEA for reference calls by Q3'."""
    _program_only(actor)
    clean = check_target_data(data)
    target = Target(**clean, created_by_id=actor.id)
    db.session.add(target)
    audit.record(actor, "target.created", target, clean)
    return target


def delete_target(actor, target: Target) -> None:
    _program_only(actor)
    audit.record(actor, "target.deleted", target, {"target_count": target.target_count})
    db.session.delete(target)


def get_target(actor, target_id: int) -> Target:
    _program_only(actor)
    target = db.session.get(Target, target_id)
    if target is None:
        raise NotFound("No such target.")
    return target


def _matches_target(target: Target, *, with_activity: bool):
    """SQL conditions on Advocate (joined to Account) for the target's segment."""
    conditions = []
    for column, value in (
        (Account.industry, target.industry),
        (Account.region, target.region),
        (Account.segment, target.segment),
    ):
        if value:
            conditions.append(column == value)
    if target.product:
        conditions.append(_has_product(target.product))
    if with_activity and target.activity_type:
        bit = ACTIVITY_BITS[target.activity_type]
        conditions.append(
            sa.exists().where(
                AdvocateEligibility.advocate_id == Advocate.id,
                AdvocateEligibility.activity_bits.op("&")(bit) != 0,
            )
        )
    return conditions


# Nominations shown per target (the page names a few and counts the rest).
NOMINATIONS_SHOWN = 5


@dataclass
class TargetGap:
    target: Target
    active: int
    gap: int
    nominations: list[Advocate]  # the first NOMINATIONS_SHOWN by name
    nominated: int = 0  # all of them

    @property
    def closable(self) -> bool:
        return self.nominated >= self.gap


def target_gaps() -> list[TargetGap]:
    """Per target: matching active advocates (active account too), the gap, and the nominated or
    invited advocates who would close it (how many, and the first few by name). Three queries,
    whatever the number of advocates."""
    targets = db.session.scalars(
        sa.select(Target).order_by(Target.due_on.is_(None), Target.due_on, Target.id)
    ).all()
    if not targets:
        return []
    counts = db.session.execute(
        sa.select(
            *[
                sa.select(sa.func.count(Advocate.id))
                .join(Account, Advocate.account_id == Account.id)
                .where(
                    Advocate.status == "active",
                    Account.status == "active",
                    *_matches_target(t, with_activity=True),
                )
                .scalar_subquery()
                .label(f"t{t.id}")
                for t in targets
            ]
        )
    ).one()
    # Nominations carry no opted-in activities yet: they match on the segment alone.
    pipeline = sa.union_all(
        *[
            sa.select(sa.literal(t.id).label("target_id"), Advocate.id.label("advocate_id"))
            .join(Account, Advocate.account_id == Account.id)
            .where(
                Advocate.status.in_(PIPELINE),
                Account.status.in_(("candidate", "active")),
                *_matches_target(t, with_activity=False),
            )
            for t in targets
        ]
    ).subquery()
    per_target = {"partition_by": pipeline.c.target_id}
    by_name = (Advocate.name, Advocate.id)
    ranked = (
        sa.select(
            pipeline.c.target_id,
            pipeline.c.advocate_id,
            sa.func.row_number().over(**per_target, order_by=by_name).label("n"),
            sa.func.count().over(**per_target).label("total"),
        )
        .join(Advocate, Advocate.id == pipeline.c.advocate_id)
        .subquery()
    )
    nominated: dict[int, list[Advocate]] = {t.id: [] for t in targets}
    totals: dict[int, int] = {}
    for target_id, total, advocate in db.session.execute(
        sa.select(ranked.c.target_id, ranked.c.total, Advocate)
        .options(load_only(Advocate.name, Advocate.status))
        .join(Advocate, Advocate.id == ranked.c.advocate_id)
        .where(ranked.c.n <= NOMINATIONS_SHOWN)
        .order_by(ranked.c.target_id, ranked.c.n)
    ):
        nominated[target_id].append(advocate)
        totals[target_id] = int(total)
    gaps = []
    for target, active in zip(targets, counts, strict=True):
        gap = max(target.target_count - int(active), 0)
        gaps.append(
            TargetGap(target, int(active), gap, nominated[target.id], totals.get(target.id, 0))
        )
    return gaps


def target_label(target: Target) -> str:
    """'12 active advocates: banking, EMEA, reference calls'."""
    parts = [
        label(v) if v else None
        for v in (target.industry, target.product, target.region, target.segment)
    ]
    if target.activity_type:
        parts.append(f"for {label(target.activity_type).lower()}")
    words = ", ".join(p for p in parts if p) or "any segment"
    return f"{target.target_count} active advocates: {words}"


# Demo data --------------------------------------------------------------------------------------

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


def register() -> None:
    """Add the invitation reminders and the follow-up digest.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    reminder("recruiting.invitations")(remind_invitations)
    reminder("recruiting.follow_ups")(remind_follow_ups)
