"""An ask once placed: who may see it, the advocate's answer (on the page or by a one-click
link), withdrawal, backing out after accepting, expiry, and the lists of asks."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.audit import service as audit
from portal.auth.links import issue_link_token, peek_link_token, use_link_token
from portal.auth.models import User
from portal.auth.permissions import can
from portal.database import now_utc, where_equal
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.i18n import N_, gettext, long_date
from portal.notifications import calendar
from portal.notifications.service import queue_email
from portal.urls import external_url
from portal.validation import PLAIN_TEXT, Checker, has_markup
from portal.vocab import DECLINE_REASONS, in_sentence, label

ANSWER_PURPOSES = {"accept": "ask-accept", "decline": "ask-decline"}
NOTE_MAX = 2000
NOT_OPEN = N_("This ask isn't open yet.")
PROPOSED_TIMES_MAX = 500


def answer_links(ask: Ask) -> dict[str, str]:
    """Signed, single-use accept and decline links that expire when answering closes."""
    max_age = max(60, int((ask.respond_by - now_utc()).total_seconds()))
    user = ask.advocate.user
    return {
        action: external_url(
            "me.answer_by_link",
            action=action,
            token=issue_link_token(user, purpose, max_age, target_id=ask.id),
        )
        for action, purpose in ANSWER_PURPOSES.items()
    }


def _check_answer(ask: Ask, at: dt.datetime) -> None:
    if ask.status != "pending":
        raise DomainError(
            gettext("This ask was already %(status)s.", status=in_sentence(ask.status))
        )
    if ask.is_held(at):
        raise DomainError(gettext(NOT_OPEN))
    if ask.respond_by <= at:
        raise DomainError(
            gettext(
                "The time to answer ended on %(day)s; this ask has expired.",
                day=long_date(ask.respond_by),
            )
        )


def answer_ask(
    actor,
    ask: Ask,
    *,
    accept: bool,
    reason: str | None = None,
    note: str | None = None,
    proposed_times: str | None = None,
    at: dt.datetime | None = None,
    via: str = "portal",
) -> Ask:
    """The advocate accepts (optionally proposing times) or declines (with a reason)."""
    at = at or now_utc()
    if via == "portal" and (actor is None or ask.advocate.user_id != actor.id):
        raise NotFound(gettext("No such ask."))
    _check_answer(ask, at)
    errors = {}
    note = (note or "").strip() or None
    proposed_times = (proposed_times or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors["note"] = gettext(
            "Must be at most %(most)s characters (it has %(has)s).", most=NOTE_MAX, has=len(note)
        )
    for name, value in (("note", note), ("proposed_times", proposed_times)):
        if has_markup(value):
            errors.setdefault(name, gettext(PLAIN_TEXT))
    if accept:
        if proposed_times and len(proposed_times) > PROPOSED_TIMES_MAX:
            errors["proposed_times"] = gettext(
                "Must be at most %(most)s characters.", most=PROPOSED_TIMES_MAX
            )
    elif reason not in DECLINE_REASONS:
        errors["reason"] = gettext("Must be one of: %(values)s.", values=", ".join(DECLINE_REASONS))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)

    ask.status = "accepted" if accept else "declined"
    ask.responded_at = at
    ask.note = note
    if accept:
        ask.proposed_times = proposed_times
    else:
        ask.decline_reason = reason
    audit.record(
        actor,
        f"ask.{ask.status}",
        ask,
        {"via": via, "reason": reason if not accept else None, "advocate_id": ask.advocate_id},
    )
    request = ask.request
    if accept and request.status == "in_progress":
        accepted = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ask)
            .where(Ask.request_id == request.id, Ask.status.in_(("accepted", "completed")))
        )
        if accepted >= request.advocates_needed:
            request.status = "fulfilled"
            audit.record(actor, "request.fulfilled", request, {"accepted": accepted})
    queue_email(
        "ask_answered",
        request.requester.email,
        f"{ask.advocate.name} {'accepted' if accept else 'declined'} your "
        f"{label(request.activity_type).lower()} request",
        ask=ask,
        request=request,
        link=external_url("dashboard.home"),
    )
    return ask


def check_answer_link(token: str, action: str) -> Ask:
    """The ask a one-click link answers, or LinkError (expired, used, invalid)."""
    purpose = ANSWER_PURPOSES.get(action)
    if purpose is None:
        raise NotFound(gettext("No such link."))
    row = peek_link_token(token, purpose, current_app.config["ASK_LINK_MAX_AGE"])
    ask = db.session.get(Ask, row.target_id)
    if ask is None:
        raise NotFound(gettext("No such ask."))
    return ask


def answer_by_link(token: str, action: str, **answer) -> Ask:
    """Spend a one-click link and record the answer it stands for."""
    ask = check_answer_link(token, action)
    _check_answer(ask, answer.get("at") or now_utc())
    use_link_token(token, ANSWER_PURPOSES[action], current_app.config["ASK_LINK_MAX_AGE"])
    return answer_ask(ask.advocate.user, ask, accept=action == "accept", via="email", **answer)


def withdraw_ask(actor, ask: Ask, reason: str | None = None) -> Ask:
    """Take back a pending or accepted ask; it stops counting against the advocate's limits."""
    if actor is None or (not can(actor, "program.manage") and ask.placed_by_id != actor.id):
        raise Forbidden(
            gettext("Only the reference team or whoever placed the ask can withdraw it.")
        )
    return _withdraw(actor, ask, reason)


def withdraw_for_leaving(actor, ask: Ask) -> Ask:
    """Withdraw a live ask because its advocate left the program; the requester is told."""
    return _withdraw(actor, ask, "The advocate left the program.", tell="requester")


def _withdraw(actor, ask: Ask, reason: str | None, tell: str = "advocate") -> Ask:
    """Withdraw the ask and tell `tell` (the advocate, or the requester when the advocate left).

    A scheduled ask's calendar cancellation rides on that notice, and only the other attendee
    gets a cancellation of its own: one e-mail each about one withdrawal.
    """
    if ask.status not in ("pending", "accepted"):
        raise DomainError(f"This ask is {label(ask.status).lower()}; it can't be withdrawn.")
    old = ask.status
    ask.status = "withdrawn"
    audit.record(actor, "ask.withdrawn", ask, {"from": old, "reason": reason})
    request = ask.request
    cancel = calendar.cancellation(ask, None if tell == "requester" else ask.advocate.email)
    attachments = [cancel] if cancel else None
    if tell == "requester":  # the advocate left: the requester must find someone else
        notice = queue_email(
            "advocate_left",
            request.requester.email,
            f"{ask.advocate.name} can no longer help with your "
            f"{label(request.activity_type).lower()} request",
            attachments=attachments,
            ask=ask,
            request=request,
            link=external_url("dashboard.home"),
        )
    else:
        notice = queue_email(
            "ask_withdrawn",
            ask.advocate.email,
            lazy_gettext(
                "No longer needed: %(activity)s", activity=in_sentence(request.activity_type)
            ),
            attachments=attachments,
            ask=ask,
            request=request,
            reason=reason,
        )
    if cancel:
        calendar.send_cancellations(ask, cancel, reason, notice=notice)
    return ask


def withdraw_acceptance(actor, ask: Ask, reason: str | None, at: dt.datetime | None = None) -> Ask:
    """The advocate backs out of an ask they accepted (not yet completed), saying why.

    The ask becomes declined (reason `other`, their words as its note, the audit event marks it
    as after acceptance), so it stops counting against their limits; a scheduled call is
    cancelled, and the requester and the request's manager are told.
    """
    if actor is None or ask.advocate.user_id != actor.id:
        raise NotFound(gettext("No such ask."))
    c = Checker({"reason": reason}, allowed=("reason",))
    c.text("reason", max_length=NOTE_MAX, required=True)
    c.plain("reason")
    reason = c.done()["reason"]
    if ask.status != "accepted":
        raise DomainError(
            gettext(
                "This ask is %(status)s; only an accepted one can be withdrawn.",
                status=in_sentence(ask.status),
            )
        )
    at = at or now_utc()
    ask.status = "declined"
    ask.decline_reason = "other"
    ask.responded_at = at
    ask.note = reason
    audit.record(
        actor,
        "ask.declined",
        ask,
        {
            "from": "accepted",
            "after_acceptance": True,
            "reason": "other",
            "note": reason,
            "advocate_id": ask.advocate_id,
        },
    )
    request = ask.request
    if request.status == "fulfilled":
        accepted = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ask)
            .where(Ask.request_id == request.id, Ask.status.in_(("accepted", "completed")))
        )
        if accepted < request.advocates_needed:
            request.status = "in_progress"  # the team must find someone else
            audit.record(actor, "request.reopened", request, {"accepted": accepted})
    cancel = calendar.cancellation(ask)
    subject = (
        f"{ask.advocate.name} can no longer help with the "
        f"{label(request.activity_type).lower()} request"
    )
    told = set()
    notice = None
    for person in (request.requester, request.manager):
        if person is None or not person.email or person.email.lower() in told:
            continue
        told.add(person.email.lower())
        message = queue_email(
            "ask_backed_out",
            person.email,
            subject,
            attachments=[cancel] if cancel and notice is None else None,
            ask=ask,
            request=request,
            person=person,
            reason=reason,
            link=external_url("dashboard.home"),
        )
        notice = notice or message
    if cancel and notice is not None:
        calendar.send_cancellations(ask, cancel, reason, notice=notice)
    return ask


def expire_overdue_asks(
    at: dt.datetime | None = None, *, advocate_id: int | None = None, request_id: int | None = None
) -> int:
    """Mark pending asks past respond_by as expired (all, or one advocate's or request's)."""
    at = at or now_utc()
    query = sa.select(Ask).where(Ask.status == "pending", Ask.respond_by <= at)
    if advocate_id is not None:
        query = query.where(Ask.advocate_id == advocate_id)
    if request_id is not None:
        query = query.where(Ask.request_id == request_id)
    count = 0
    for ask in db.session.scalars(query.with_for_update(skip_locked=True)):
        ask.status = "expired"
        audit.record(None, "ask.expired", ask, {"respond_by": ask.respond_by})
        count += 1
    return count


SHOWN_EXPIRED = "shown_expired"  # on a row's state: when `show_expiry` showed it expired


def show_expiry(asks, at: dt.datetime | None = None) -> None:
    """Show the loaded pending asks past their answer date as expired, writing nothing (a page
    read): the value is set as if read from the database, so no flush saves it. The expire-asks
    job saves and audits it (`expire_overdue_asks`)."""
    at = at or now_utc()
    for ask in asks:
        if ask.status == "pending" and ask.respond_by <= at:
            set_committed_value(ask, "status", "expired")
            sa.inspect(ask).info[SHOWN_EXPIRED] = min(ask.respond_by, at)


def get_ask(actor, ask_id: int) -> Ask:
    """An ask the actor may see: own (advocate), own request's (requester), any (program)."""
    return get_or_not_found(
        Ask, ask_id, gettext("No such ask."), lambda ask: can_see_ask(actor, ask)
    )


def can_see_ask(actor, ask: Ask) -> bool:
    if actor is None:
        return False
    if can(actor, "program.manage"):
        return True
    if actor.role == "advocate":  # not while the CSM may still veto it
        return ask.advocate.user_id == actor.id and not ask.is_held()
    return ask.request.requester_id == actor.id


def scheduled_asks(start: dt.datetime, end: dt.datetime) -> list[sa.Row]:
    """Accepted or completed asks with a date in [start, end), for the program calendar: one
    row each of what the calendar shows (the ask, its request and requester, the advocate and
    their account), read in one statement as plain rows, in time order."""
    return db.session.execute(_scheduled_statement(), {"start": start, "end": end}).all()


@functools.cache
def _scheduled_statement() -> sa.Select:
    requester = sa.orm.aliased(User)
    return (
        sa.select(
            Ask.id,
            Ask.request_id,
            Ask.status,
            Ask.scheduled_at,
            ReferenceRequest.activity_type,
            ReferenceRequest.prospect_company,
            requester.name.label("requester_name"),
            requester.team.label("requester_team"),
            Advocate.name.label("advocate_name"),
            Account.name.label("account_name"),
        )
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(requester, requester.id == ReferenceRequest.requester_id)
        .join(Advocate, Advocate.id == Ask.advocate_id)
        .join(Account, Account.id == Advocate.account_id)
        .where(
            Ask.scheduled_at >= sa.bindparam("start", type_=Ask.scheduled_at.type),
            Ask.scheduled_at < sa.bindparam("end", type_=Ask.scheduled_at.type),
            Ask.status.in_(("accepted", "completed")),
        )
        .order_by(Ask.scheduled_at, Ask.id)
    )


def asks_query(
    actor,
    *,
    status: str | None = None,
    activity_type: str | None = None,
    advocate_id: int | None = None,
    request_id: int | None = None,
) -> sa.Select:
    """Asks the actor may see (as can_see_ask): an advocate their own, a
    requester or CSM those of their own requests, the program team all; newest first."""
    query = (
        sa.select(Ask)
        .join(Ask.request)
        .options(sa.orm.contains_eager(Ask.request).joinedload(ReferenceRequest.requester))
    )
    if actor.role == "advocate":
        query = query.join(Ask.advocate).where(Advocate.user_id == actor.id, Ask.not_held())
    elif not can(actor, "program.manage"):
        query = query.where(ReferenceRequest.requester_id == actor.id)
    query = where_equal(
        query,
        (
            (Ask.status, status),
            (ReferenceRequest.activity_type, activity_type),
            (Ask.advocate_id, advocate_id),
            (Ask.request_id, request_id),
        ),
    )
    return query.order_by(Ask.asked_at.desc(), Ask.id.desc())
