"""The recruiting pipeline: the board, invitations, welcome links and their reminders."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext

from portal.accounts.models import Account
from portal.advocates import self_service
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility
from portal.audit import service as audit
from portal.auth import service as auth_service
from portal.auth.links import LinkError, issue_link_token, peek_link_token, use_link_token
from portal.auth.models import User
from portal.auth.permissions import demand
from portal.database import now_utc
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.notifications.reminders import already_sent, reminder
from portal.notifications.service import program_name, queue_email
from portal.recruiting.models import Invitation
from portal.urls import external_url
from portal.vocab import ADVOCATE_STATUSES

INVITE_PURPOSE = "advocate-invitation"
REMIND_EVERY = dt.timedelta(days=7)
MAX_REMINDERS = 2
PIPELINE = ("nominated", "invited")
PIPELINE_FILTERS = ("industry", "region", "segment", "product", "nominated_by")


def program_only(actor) -> None:
    """The pipeline and the targets are the program team's."""
    demand(actor, "program.manage", "Only the program team can do this.")


def has_product(product: str):
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
        conditions.append(has_product(filters["product"]))
    return conditions


def pipeline_query(actor, filters: dict) -> sa.Select:
    """Advocates on the board, filtered by account facts, product and who nominated them."""
    program_only(actor)
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
    program_only(actor)
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
    program_only(actor)
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
    self_service.accept_terms(user, advocate, version=terms_version)
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


def register() -> None:
    """Add the invitation reminders.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    reminder("recruiting.invitations")(remind_invitations)
