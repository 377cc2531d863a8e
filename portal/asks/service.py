"""The ask workflow: place, answer, withdraw, expire. Every path goes through these functions."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy.orm import joinedload, load_only

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks import lead_time, matching
from portal.asks.models import Ask, ReferenceRequest, RequestComment
from portal.asks.overuse import check_can_ask, lock_advocate
from portal.asks.personal_note import check_personal_note
from portal.audit import service as audit
from portal.auth.links import issue_link_token, peek_link_token, use_link_token
from portal.auth.models import User
from portal.auth.permissions import PROGRAM, can
from portal.benefits.models import LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import N_, gettext, locale_for_advocate, long_date
from portal.notifications import calendar
from portal.notifications.models import OutboxMessage
from portal.notifications.service import notify, queue_email
from portal.opportunities import service as opportunities
from portal.program import custom_field_matching
from portal.program.ask_templates import template_text
from portal.program.service import get_setting, taxonomy_values
from portal.urls import external_url
from portal.validation import MONEY_MAX, PLAIN_TEXT, Checker, has_markup
from portal.vocab import (
    ACTIVITY_TYPES,
    DECLINE_REASONS,
    OPPORTUNITY_OUTCOMES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    in_sentence,
    label,
)

ASKABLE_REQUEST_STATUSES = ("submitted", "in_progress")
ANSWER_PURPOSES = {"accept": "ask-accept", "decline": "ask-decline"}
NOTE_MAX = 2000
NOT_OPEN = N_("This ask isn't open yet.")
PROPOSED_TIMES_MAX = 500
DUE_SOON_DAYS = 7
_UNSET = object()


def may_place_ask(actor, request: ReferenceRequest) -> bool:
    """Managers always; a requester only for their own request of a self-service type."""
    if actor is None:
        return False
    if actor.role in PROGRAM:
        return True
    return (
        actor.role in ("requester", "csm")
        and request.requester_id == actor.id
        and request.activity_type in get_setting("self_service_activity_types")
    )


NOT_OFFERED = "That advocate isn't one of this request's matches."


def _self_service(actor) -> bool:
    """A requester (or CSM) placing asks themselves: only to the request's offered matches."""
    return actor is not None and actor.role not in PROGRAM


def check_offered(actor, request: ReferenceRequest, advocate_ids, at=None) -> None:
    """Self-service asks go only to advocates the request's matches offer. Any other id, one
    that exists or not, gets the same refusal: it names no one and tells no state or limit."""
    if not _self_service(actor):
        return
    offered = matching.offered_ids(request, at)
    for advocate_id in advocate_ids:
        if isinstance(advocate_id, bool) or advocate_id not in offered:
            raise ValidationFailed(NOT_OFFERED, field="advocate_id")


def advocate_to_ask(actor, request: ReferenceRequest, advocate_id) -> Advocate:
    """The advocate an ask would go to: any for the program team, an offered match otherwise."""
    if not may_place_ask(actor, request):
        raise Forbidden(gettext("You can't place asks for this request."))
    if isinstance(advocate_id, bool) or not isinstance(advocate_id, int):
        raise ValidationFailed(
            gettext("advocate_id: Must be an advocate's id."), field="advocate_id"
        )
    check_offered(actor, request, [advocate_id])
    advocate = db.session.get(Advocate, advocate_id)
    if advocate is None:
        raise ValidationFailed(gettext("advocate_id: No such advocate."), field="advocate_id")
    return advocate


def _works_at_prospect(advocate: Advocate, request: ReferenceRequest) -> bool:
    prospect = (request.prospect_company or "").strip().casefold()
    return bool(prospect) and advocate.account.name.strip().casefold() == prospect


def place_ask(
    actor,
    request: ReferenceRequest,
    advocate: Advocate,
    *,
    respond_by: dt.datetime | None = None,
    at: dt.datetime | None = None,
    personal_note=None,
) -> Ask:
    """Ask `advocate` to help with `request`, within program rule 1, and e-mail them the
    program's ask template for the activity type with the asker's `personal_note`, if any."""
    if not may_place_ask(actor, request):
        if actor is not None and actor.role in ("requester", "csm"):
            raise Forbidden(
                f"{label(request.activity_type)} asks go through the reference team; "
                "a manager places them."
            )
        raise Forbidden(gettext("You can't place asks."))
    personal_note = check_personal_note(personal_note)
    at = at or now_utc()
    if request.status not in ASKABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it takes no new asks.")
    if respond_by is None:
        respond_by = at + dt.timedelta(days=int(get_setting("respond_within_days")))
    if respond_by <= at:
        raise ValidationFailed(
            gettext("The answer deadline must be in the future."), field="respond_by"
        )
    if respond_by > at + dt.timedelta(days=60):
        raise ValidationFailed(
            gettext("Give the advocate at most 60 days to answer."), field="respond_by"
        )
    check_offered(actor, request, [advocate.id], at)
    if _works_at_prospect(advocate, request):
        raise DomainError(
            f"{advocate.name} works at the prospect, {request.prospect_company}.",
            field="advocate_id",
        )

    lock_advocate(advocate.id)  # held until commit: concurrent asks count one after another
    db.session.refresh(advocate)
    already = db.session.scalar(
        sa.select(Ask.id).where(Ask.request_id == request.id, Ask.advocate_id == advocate.id)
    )
    if already is not None:
        raise DomainError(
            f"{advocate.name} was already asked for this request.", field="advocate_id"
        )
    check_can_ask(advocate, request.activity_type, at)

    csm = _account_csm(actor, advocate)
    veto_hours = get_setting("csm_veto_hours")
    held_until = at + dt.timedelta(hours=int(veto_hours)) if csm and veto_hours else None
    ask = Ask(
        request=request,
        advocate=advocate,
        placed_by_id=actor.id,
        status="pending",
        asked_at=at,
        respond_by=respond_by,
        held_until=held_until,
        personal_note=personal_note,
    )
    db.session.add(ask)
    if request.status == "submitted":
        request.status = "in_progress"
    if request.manager_id is None and actor.role in PROGRAM:
        request.manager_id = actor.id  # whoever starts asking runs the request from now on
        audit.record(actor, "request.assigned", request, {"from": None, "to": actor.id})
    db.session.flush()
    audit.record(
        actor,
        "ask.placed",
        ask,
        {
            "request_id": request.id,
            "advocate_id": advocate.id,
            "respond_by": respond_by,
            "held_until": held_until,
            "personal_note": personal_note,
        },
    )
    links = answer_links(ask)
    queue_email(
        "ask_placed",
        advocate.email,
        lazy_gettext(
            "Could you help with a %(activity)s?", activity=in_sentence(request.activity_type)
        ),
        # Held: written now, delivered when the CSM's window closes (or deleted by a veto).
        dedupe_key=_held_key(ask) if held_until else None,
        hold_until=held_until,
        ask=ask,
        request=request,
        advocate=advocate,
        accept_link=links["accept"],
        decline_link=links["decline"],
        ask_template=template_text(request.activity_type, locale_for_advocate(advocate)),
    )
    if csm is not None:
        _tell_account_csm(csm, ask, request, advocate)
    return ask


def _account_csm(actor, advocate: Advocate):
    """The account's active CSM, unless they are the one asking (then nobody is told)."""
    csm = advocate.account.csm
    if csm is None or csm.id == actor.id or not csm.is_active:
        return None
    return csm


def _held_key(ask: Ask) -> str:
    return f"ask_placed:{ask.id}"


def _tell_account_csm(csm, ask: Ask, request: ReferenceRequest, advocate: Advocate) -> None:
    """The account's CSM hears when one of their contacts is asked, and while the ask is held
    that they may stop it until the window closes (in their zone, by the e-mail's helpers)."""
    notify(
        csm,
        "contact_asked",
        f"{advocate.name} of {advocate.account.name} is asked for a "
        f"{label(request.activity_type).lower()}",
        csm=csm,
        advocate=advocate,
        account=advocate.account,
        activity=label(request.activity_type),
        prospect=request.prospect_company,
        link=external_url("accounts.detail", account_id=advocate.account_id),
        held_until=ask.held_until,
        veto_link=external_url("recruiting.veto_ask", ask_id=ask.id) if ask.held_until else None,
    )


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
    if actor is None or (actor.role not in PROGRAM and ask.placed_by_id != actor.id):
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


def may_veto(actor, ask: Ask) -> bool:
    """The account's customer success manager, or the program team."""
    if actor is None:
        return False
    return actor.role in PROGRAM or (
        actor.role == "csm" and ask.advocate.account.csm_id == actor.id
    )


def veto_ask(actor, ask: Ask, reason: str | None, at: dt.datetime | None = None) -> Ask:
    """The account's CSM stops an ask while it is held: it is withdrawn with their reason, the
    advocate's e-mail (never sent) is deleted, the request's requester and manager are told."""
    if not may_veto(actor, ask):
        raise NotFound(gettext("No such ask."))
    c = Checker({"reason": reason}, allowed=("reason",))
    c.text("reason", max_length=NOTE_MAX, required=True)
    c.plain("reason")
    reason = c.done()["reason"]
    # One veto, withdrawal or delivery at a time: lock the ask's row, then read it again.
    db.session.execute(sa.select(Ask.id).where(Ask.id == ask.id).with_for_update())
    db.session.refresh(ask)
    at = at or now_utc()
    if ask.status != "pending":
        raise DomainError(f"This ask is {label(ask.status).lower()}; it can't be stopped.")
    if not ask.is_held(at):
        raise DomainError(gettext("The time to stop this ask has passed; the advocate has it now."))
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.dedupe_key == _held_key(ask), OutboxMessage.status == "queued")
        .with_for_update()
    )
    deleted = None
    if message is not None:
        deleted = {"id": message.id, "template": message.template, "to": message.recipient}
        db.session.delete(message)
    ask.status = "withdrawn"
    ask.note = reason
    audit.record(
        actor,
        "ask.vetoed",
        ask,
        {"from": "pending", "reason": reason, "held_until": ask.held_until, "deleted": deleted},
    )
    request = ask.request
    told = {request.requester_id: request.requester}
    if request.manager is not None:
        told.setdefault(request.manager_id, request.manager)
    for user in told.values():
        notify(
            user,
            "ask_vetoed",
            f"Stopped by customer success: the ask to {ask.advocate.name}",
            ask=ask,
            request=request,
            reason=reason,
            link=external_url("requests.detail", request_id=request.id),
        )
    db.session.flush()
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


def get_ask(actor, ask_id: int) -> Ask:
    """An ask the actor may see: own (advocate), own request's (requester), any (program)."""
    ask = db.session.get(Ask, ask_id)
    if ask is None or not can_see_ask(actor, ask):
        raise NotFound(gettext("No such ask."))
    return ask


def can_see_ask(actor, ask: Ask) -> bool:
    if actor is None:
        return False
    if actor.role in PROGRAM:
        return True
    if actor.role == "advocate":  # not while the CSM may still veto it
        return ask.advocate.user_id == actor.id and not ask.is_held()
    return ask.request.requester_id == actor.id


# -- reference requests -----------------------------------------------------------------------

CONTEXT_MAX = 5000
COMMENT_MAX = 5000
REASON_MAX = 2000
FEEDBACK_MAX = 5000
AMOUNT_MAX = MONEY_MAX
OPEN_REQUEST_STATUSES = ("submitted", "in_progress")
EDITABLE_REQUEST_STATUSES = ("draft", "submitted", "in_progress")
REQUEST_FIELDS = (
    "activity_type",
    "opportunity_name",
    "opportunity_crm_id",
    "opportunity_amount",
    "opportunity_stage",
    "opportunity_close_date",
    "prospect_company",
    "criteria",
    "needed_by",
    "advocates_needed",
    "context",
)
# Criterion -> its allowed values, given the request being changed (its retired values stay
# allowed); taxonomy criteria may name a group of terms (matching reads it as its members).
CRITERIA_ALLOWED = {
    "industries": lambda keep: taxonomy_values("industry", keep, groups=True),
    "products": lambda keep: taxonomy_values("product", keep, groups=True),
    "use_cases": lambda keep: taxonomy_values("use_case", keep, groups=True),
    "languages": lambda keep: taxonomy_values("language", keep, groups=True),
    "regions": lambda keep: REGIONS,
    "segments": lambda keep: SEGMENTS,
    "seniorities": lambda keep: SENIORITIES,
}


def _amount(checker: Checker, data: dict) -> None:
    checker.money("opportunity_amount", maximum=AMOUNT_MAX)


def check_request_data(
    data: dict, *, partial: bool = False, draft: bool = False, keep=None
) -> dict:
    """Cleaned request fields or ValidationFailed naming each bad one (criteria as criteria.x);
    `keep`: the request being changed, whose retired criteria values stay allowed."""
    data = dict(data) if isinstance(data, dict) else data
    criteria = data.pop("criteria", None) if isinstance(data, dict) else None
    checker = Checker(data, allowed=[f for f in REQUEST_FIELDS if f != "criteria"], partial=partial)
    checker.choice("activity_type", ACTIVITY_TYPES, required=True)
    checker.text("opportunity_name", max_length=200)
    checker.text("opportunity_crm_id", max_length=64)
    checker.text("opportunity_stage", max_length=64)
    checker.text("prospect_company", max_length=200)
    checker.text("context", max_length=CONTEXT_MAX)
    checker.date("opportunity_close_date")
    checker.date("needed_by", required=True, not_past=True)
    if draft and "advocates_needed" not in checker.data and not partial:
        checker.clean["advocates_needed"] = 1
    else:
        checker.integer("advocates_needed", minimum=1, maximum=20, required=not draft)
    if isinstance(checker.data, dict):
        _amount(checker, checker.data)
    if criteria is not None or not partial:
        if criteria is None:
            criteria = {}
        if not isinstance(criteria, dict):
            checker.error("criteria", 'Must be an object of lists, such as {"industries": [...]}.')
        else:
            clean = {}
            for key in criteria:
                if key not in CRITERIA_ALLOWED and key != "custom":
                    checker.error(f"criteria.{key}", "Unknown criterion.")
            custom, custom_errors = custom_field_matching.check_criteria(criteria.get("custom"))
            for name, why in custom_errors.items():
                checker.error(name, why)
            if custom:
                clean["custom"] = custom
            for key, allowed in CRITERIA_ALLOWED.items():
                sub = Checker({key: criteria.get(key) or []}, allowed=[key])
                sub.choices(key, allowed(keep))
                if sub.errors:
                    checker.error(f"criteria.{key}", sub.errors[key])
                elif sub.clean.get(key):
                    clean[key] = sub.clean[key]
            checker.clean["criteria"] = clean
    return checker.done()


def _may_manage(actor) -> bool:
    return actor is not None and actor.role in PROGRAM


def _owns(actor, request: ReferenceRequest) -> bool:
    return actor is not None and request.requester_id == actor.id


def can_see_request(actor, request: ReferenceRequest) -> bool:
    return _may_manage(actor) or _owns(actor, request)


def _may_file(actor) -> None:
    if actor is None or not can(actor, "requests.create"):
        raise Forbidden(gettext("You can't file reference requests."))


def get_request(actor, request_id: int) -> ReferenceRequest:
    """A request the actor may see (own, or any for the program team), else NotFound; its asks
    come with their advocates and accounts (the request pages show them all)."""
    request = db.session.scalar(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.id == request_id)
        .options(
            sa.orm.selectinload(ReferenceRequest.asks)
            .joinedload(Ask.advocate)
            .joinedload(Advocate.account)
        )
    )
    if request is None or not can_see_request(actor, request):
        raise NotFound(gettext("No such request."))
    return request


def _check_with_rush(data, **options) -> tuple[dict, dict]:
    """check_request_data plus the rush fields (kept apart: they are not the request's needs);
    ValidationFailed names the bad fields of both."""
    rush_data = {}
    if isinstance(data, dict):
        data = dict(data)
        rush_data = {name: data.pop(name) for name in lead_time.RUSH_FIELDS if name in data}
    errors: dict[str, str] = {}
    rush = lead_time.clean_rush_fields(rush_data, errors)
    try:
        clean = check_request_data(data, **options)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, fields={**error.fields, **errors}) from None
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields=errors)
    return clean, rush


def _lead_time(request: ReferenceRequest, values: dict) -> dict:
    """The lead-time fields for `values` (the request's own where not given), counted from the
    requester's today; ValidationFailed when the notice is short and no rush is given."""

    def value(name):
        return values[name] if name in values else getattr(request, name)

    return lead_time.check_notice(
        value("activity_type"),
        value("needed_by"),
        bool(value("rush")),
        value("rush_reason"),
        today=lead_time.requester_today(request.requester),
    )


def create_request(actor, data: dict, *, submit: bool = True) -> ReferenceRequest:
    """File a request (submit) or keep it as the requester's draft. A filed request must give
    its activity type's lead time or be a rush with a reason (`portal.asks.lead_time`)."""
    _may_file(actor)
    clean, rush = _check_with_rush(data, draft=not submit)
    if submit:
        clean.update(
            lead_time.check_notice(
                clean["activity_type"],
                clean["needed_by"],
                bool(rush.get("rush")),
                rush.get("rush_reason"),
                today=lead_time.requester_today(actor),
            )
        )
    else:
        clean.update(rush)
    link = opportunities.link_for_request(actor, clean, request=None, requester=actor)
    clean.setdefault("opportunity_outcome", "open")
    request = ReferenceRequest(
        requester_id=actor.id, status="submitted" if submit else "draft", **clean
    )
    opportunities.apply_link(request, link)
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor, "request.submitted" if submit else "request.drafted", request, _audit(clean)
    )
    return request


def save_draft(actor, data: dict) -> ReferenceRequest:
    return create_request(actor, data, submit=False)


def _audit(clean: dict) -> dict:
    return {k: v for k, v in clean.items() if k != "context"}


def _may_edit(actor, request: ReferenceRequest) -> None:
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    if request.status not in EDITABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it can't be changed.")


def update_request(actor, request: ReferenceRequest, data: dict) -> dict:
    """Change the fields sent; a draft may stay incomplete, a filed request may not."""
    _may_edit(actor, request)
    clean, rush = _check_with_rush(
        data, partial=True, draft=request.status == "draft", keep=request
    )
    clean.update(rush)
    if "needed_by" in clean and clean["needed_by"] is None:
        raise ValidationFailed(gettext("needed_by: This field is required."), field="needed_by")
    if clean.get("advocates_needed", 1) is None:
        raise ValidationFailed(
            gettext("advocates_needed: This field is required."), field="advocates_needed"
        )
    link = opportunities.link_for_request(
        actor, clean, request=request, requester=request.requester
    )
    opportunities.apply_link(request, link)
    lead_fields = ("activity_type", "needed_by", *lead_time.RUSH_FIELDS)
    if request.status != "draft" and any(
        name in clean and clean[name] != getattr(request, name) for name in lead_fields
    ):
        # A filed request whose date, activity or rush changes is counted again from today.
        clean.update(_lead_time(request, clean))
    changed = audit.changes(request, clean)
    if changed:
        audit.record(actor, "request.updated", request, _audit(changed))
    return changed


def submit_request(actor, request: ReferenceRequest) -> ReferenceRequest:
    """Send a draft to the reference team, checked as a new request would be."""
    _may_edit(actor, request)
    if request.status != "draft":
        raise DomainError(gettext("Only a draft can be submitted; this one already was."))
    values = {name: getattr(request, name) for name in REQUEST_FIELDS}
    values = {k: v for k, v in values.items() if v is not None}
    if isinstance(values.get("opportunity_amount"), Decimal):
        values["opportunity_amount"] = str(values["opportunity_amount"])
    check_request_data(values, keep=request)
    lead = _lead_time(request, {})
    for name, value in lead.items():
        setattr(request, name, value)
    request.status = "submitted"
    audit.record(actor, "request.submitted", request, {"from": "draft", **lead})
    return request


def copy_request(actor, source: ReferenceRequest) -> ReferenceRequest:
    """A new draft with the fields of a request the actor may see (needed-by moved if past)."""
    _may_file(actor)
    if not can_see_request(actor, source):
        raise NotFound(gettext("No such request."))
    values = {name: getattr(source, name) for name in REQUEST_FIELDS}
    today = dt.date.today()
    if values["needed_by"] is None or values["needed_by"] < today:
        values["needed_by"] = today + dt.timedelta(days=14)
    values["criteria"] = copy.deepcopy(source.criteria or {})
    request = ReferenceRequest(
        requester_id=actor.id,
        status="draft",
        opportunity_outcome=source.opportunity_outcome if source.opportunity_id else "open",
        opportunity_id=source.opportunity_id,
        **values,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "request.copied", request, {"from_request_id": source.id})
    return request


def assign_request(actor, request: ReferenceRequest, manager) -> ReferenceRequest:
    """Give the request to a reference manager (None: nobody)."""
    if not _may_manage(actor):
        raise Forbidden(gettext("Only the reference team assigns requests."))
    if manager is not None and manager.role not in PROGRAM:
        raise ValidationFailed(gettext("Choose a reference manager."), field="manager_id")
    old = request.manager_id
    request.manager_id = manager.id if manager else None
    if old != request.manager_id:
        audit.record(actor, "request.assigned", request, {"from": old, "to": request.manager_id})
    return request


def _reason(reason: str | None, field: str = "reason", required: bool = True) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationFailed(gettext("Say why, for the requester."), field=field)
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"Must be at most {REASON_MAX} characters.", field=field)
    return reason or None


def _close(actor, request: ReferenceRequest, status: str, reason: str | None) -> None:
    old = request.status
    request.status = status
    request.status_reason = reason
    for ask in request.asks:
        if ask.status in ("pending", "accepted"):
            # Closing the request is the authority: asks placed by anyone are taken back.
            _withdraw(actor, ask, reason or f"The request was {label(status).lower()}.")
    audit.record(actor, f"request.{status}", request, {"from": old, "reason": reason})


def reject_request(actor, request: ReferenceRequest, reason: str) -> ReferenceRequest:
    """Triage: the reference team turns a request down, with the reason the requester reads."""
    if not _may_manage(actor):
        raise Forbidden(gettext("Only the reference team rejects requests."))
    if request.status not in OPEN_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it can't be rejected.")
    _close(actor, request, "cancelled", _reason(reason))
    comment_on_request(actor, request, f"Rejected: {request.status_reason}")
    return request


def cancel_request(actor, request: ReferenceRequest, reason: str | None = None) -> ReferenceRequest:
    """The requester (or the team) no longer needs it; open asks are withdrawn."""
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    if request.status not in EDITABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; nothing to cancel.")
    _close(actor, request, "cancelled", _reason(reason, required=False))
    return request


def comment_on_request(actor, request: ReferenceRequest, body: str) -> RequestComment:
    """Add to the request's thread (a question from the team, the requester's answer)."""
    if not can_see_request(actor, request):
        raise NotFound(gettext("No such request."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(gettext("Write a message."), field="body")
    if len(body) > COMMENT_MAX:
        raise ValidationFailed(f"Must be at most {COMMENT_MAX} characters.", field="body")
    comment = RequestComment(request=request, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "request.commented", request, {"comment_id": comment.id})
    return comment


OUTCOME_FIELDS = ("opportunity_outcome", "opportunity_amount")


def change_request(actor, request: ReferenceRequest, data: dict) -> ReferenceRequest:
    """Change the fields sent and, when `opportunity_outcome` is among them, record the deal's
    outcome (with `opportunity_amount`): the API's PATCH. Every bad field is named at once; on
    any, ValidationFailed and the caller rolls back whatever was written."""
    data = dict(data)
    outcome = None
    if "opportunity_outcome" in data:
        outcome = {name: data.pop(name) for name in OUTCOME_FIELDS if name in data}
    errors: dict[str, str] = {}
    failed = None
    if data or outcome is None:
        try:
            update_request(actor, request, data)
        except ValidationFailed as error:
            failed, errors = error, dict(error.fields)
    if outcome is not None:
        amount = outcome.get("opportunity_amount", _UNSET)
        try:
            record_outcome(actor, request, outcome["opportunity_outcome"], amount)
        except ValidationFailed as error:
            failed, errors = failed or error, {**errors, **error.fields}
    if failed is not None:
        raise ValidationFailed(failed.message, fields=errors)
    return request


def record_outcome(
    actor, request: ReferenceRequest, outcome: str, amount=_UNSET
) -> ReferenceRequest:
    """Won or lost (and the amount): what influenced-revenue reports read; may change later."""
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    data = {"opportunity_outcome": outcome}
    if amount is not _UNSET:
        data["opportunity_amount"] = amount
    checker = Checker(data, allowed=["opportunity_outcome", "opportunity_amount"])
    checker.choice("opportunity_outcome", OPPORTUNITY_OUTCOMES, required=True)
    _amount(checker, data)
    clean = checker.done()
    if request.opportunity is not None:
        # The deal is the record: its outcome reaches every request that supports it.
        before = {name: getattr(request, name) for name in clean}
        opportunities.set_outcome(
            actor,
            request.opportunity,
            clean["opportunity_outcome"],
            clean.get("opportunity_amount", opportunities.KEEP),
        )
        changed = {
            name: [old, getattr(request, name)]
            for name, old in before.items()
            if getattr(request, name) != old
        }
    else:
        changed = audit.changes(request, clean)
    if changed:
        audit.record(actor, "request.outcome", request, changed)
    return request


def list_loads() -> tuple:
    """What a list of requests shows of each (asks, requester, manager), loaded in three
    statements whatever the number of rows: `requests_query(...).options(*list_loads())`."""
    return (
        sa.orm.selectinload(ReferenceRequest.asks),
        sa.orm.joinedload(ReferenceRequest.requester),
        sa.orm.joinedload(ReferenceRequest.manager),
    )


def requests_query(actor, filters: dict | None = None) -> sa.Select:
    """Requests the actor may see, newest first, narrowed by `filters`:
    status, view (new|due_soon|overdue|mine|assigned|open), q (prospect/opportunity)."""
    filters = filters or {}
    query = sa.select(ReferenceRequest)
    if not _may_manage(actor):
        query = query.where(ReferenceRequest.requester_id == actor.id)
    status = filters.get("status")
    if status:
        query = query.where(ReferenceRequest.status == status)
    today = dt.date.today()
    view = filters.get("view")
    is_open = ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES)
    if view == "new":
        query = query.where(ReferenceRequest.status == "submitted")
    elif view == "due_soon":
        query = query.where(
            is_open,
            ReferenceRequest.needed_by >= today,
            ReferenceRequest.needed_by <= today + dt.timedelta(days=DUE_SOON_DAYS),
        )
    elif view == "overdue":
        query = query.where(is_open, ReferenceRequest.needed_by < today)
    elif view == "assigned":
        query = query.where(is_open, ReferenceRequest.manager_id == actor.id)
    elif view == "open":
        query = query.where(is_open)
    elif view == "mine":
        query = query.where(ReferenceRequest.requester_id == actor.id)
    if filters.get("requester_id"):
        query = query.where(ReferenceRequest.requester_id == filters["requester_id"])
    text = (filters.get("q") or "").strip()
    if text:
        query = query.where(
            sa.or_(
                *(
                    # % and _ are letters of the search, not wildcards
                    sa.func.lower(column).contains(text.lower(), autoescape=True)
                    for column in (
                        ReferenceRequest.prospect_company,
                        ReferenceRequest.opportunity_name,
                        ReferenceRequest.opportunity_crm_id,
                    )
                )
            )
        )
    if view in ("due_soon", "overdue", "new", "assigned", "open"):
        return query.order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
    return query.order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())


def expire_overdue_requests(at: dt.datetime | None = None, *, request_id: int | None = None) -> int:
    """Open requests past their needed-by date without enough accepted asks become expired."""
    at = at or now_utc()
    query = sa.select(ReferenceRequest).where(
        ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES),
        ReferenceRequest.needed_by < at.date(),
    )
    if request_id is not None:
        query = query.where(ReferenceRequest.id == request_id)
    count = 0
    for request in db.session.scalars(query):
        old = request.status
        request.status = "expired"
        for ask in request.asks:
            if ask.status == "pending":
                ask.status = "expired"
                audit.record(None, "ask.expired", ask, {"request_expired": True})
        audit.record(
            None, "request.expired", request, {"from": old, "needed_by": request.needed_by}
        )
        count += 1
    return count


def refresh_request(request: ReferenceRequest, at: dt.datetime | None = None) -> bool:
    """Expire what is overdue on this request before it is shown (expiry on read)."""
    changed = expire_overdue_asks(at, request_id=request.id)
    changed += expire_overdue_requests(at, request_id=request.id)
    return bool(changed)


# -- asks after acceptance --------------------------------------------------------------------


def _may_run_ask(actor, ask: Ask) -> None:
    if not can_see_ask(actor, ask) or actor.role == "advocate":
        raise NotFound(gettext("No such ask."))


def _is_asked_advocate(actor, ask: Ask) -> bool:
    return (
        actor is not None
        and actor.role == "advocate"
        and ask.advocate.user_id is not None
        and ask.advocate.user_id == actor.id
    )


def schedule_ask(actor, ask: Ask, when: dt.datetime, *, advocate_pick: bool = False) -> Ask:
    """Set (or move) the date and time of an accepted ask's activity. `advocate_pick`: the
    asked advocate picked one of the times the requester's side offered (`portal.asks.slots`),
    the one way an advocate sets a date."""
    if not (advocate_pick and _is_asked_advocate(actor, ask)):
        _may_run_ask(actor, ask)
    if ask.status != "accepted":
        raise DomainError(
            f"This ask is {label(ask.status).lower()}; only an accepted one is scheduled."
        )
    if not isinstance(when, dt.datetime) or when.tzinfo is None:
        raise ValidationFailed(gettext("Give a date and time."), field="scheduled_at")
    if when < now_utc() - dt.timedelta(days=1):
        raise ValidationFailed(gettext("Must not be in the past."), field="scheduled_at")
    old = ask.scheduled_at
    ask.scheduled_at = when
    audit.record(
        actor, "ask.rescheduled" if old else "ask.scheduled", ask, {"from": old, "to": when}
    )
    return ask


def reschedule_ask(actor, ask: Ask, when: dt.datetime, *, advocate_pick: bool = False) -> Ask:
    if ask.scheduled_at is None:
        raise DomainError(gettext("This ask has no date yet; schedule it first."))
    return schedule_ask(actor, ask, when, advocate_pick=advocate_pick)


def _rating(rating, feedback, *, required: bool) -> tuple[int | None, str | None]:
    errors = {}
    if rating is None or rating == "":
        if required:
            errors["rating"] = gettext("Rate the reference from 1 to 5.")
        rating = None
    elif isinstance(rating, bool) or not (
        isinstance(rating, int) or (isinstance(rating, str) and rating.strip().isdigit())
    ):
        errors["rating"] = gettext("Must be a whole number from 1 to 5.")
    elif not 1 <= int(rating) <= 5:
        errors["rating"] = gettext("Must be from 1 to 5.")
    feedback = (feedback or "").strip() if isinstance(feedback, str | type(None)) else feedback
    if not isinstance(feedback, str):
        errors["feedback"] = gettext("Must be text.")
    elif len(feedback) > FEEDBACK_MAX:
        errors["feedback"] = f"Must be at most {FEEDBACK_MAX} characters (it has {len(feedback)})."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return (int(rating) if rating is not None else None), (feedback or None)


def complete_ask(actor, ask: Ask, rating=None, feedback=None, at: dt.datetime | None = None) -> Ask:
    """Close the loop: the activity happened. Awards the advocate the type's points; the
    requester's rating (1-5) and comment are kept (a manager may leave rating for later)."""
    _may_run_ask(actor, ask)
    if ask.status != "accepted":
        raise DomainError(
            f"This ask is {label(ask.status).lower()}; only an accepted one completes."
        )
    rating, feedback = _rating(rating, feedback, required=not _may_manage(actor))
    at = at or now_utc()
    ask.status = "completed"
    ask.completed_at = at
    ask.requester_rating = rating
    ask.requester_feedback = feedback
    activity = ask.request.activity_type
    points = int((get_setting("points_by_activity") or {}).get(activity, 0))
    if points:
        db.session.add(
            LedgerEntry(
                advocate_id=ask.advocate_id,
                delta=points,
                reason="activity",
                ask_id=ask.id,
                memo=f"{label(activity)} for {ask.request.prospect_company or 'a prospect'}",
                created_by_id=actor.id,
            )
        )
    audit.record(actor, "ask.completed", ask, {"rating": rating, "points": points})
    _complete_request_if_done(actor, ask.request)
    return ask


def rate_ask(actor, ask: Ask, rating, feedback=None) -> Ask:
    """The requester rates a completed ask (or changes the rating)."""
    _may_run_ask(actor, ask)
    if ask.status != "completed":
        raise DomainError(gettext("Rate an ask once it is completed."))
    rating, feedback = _rating(rating, feedback, required=True)
    old = ask.requester_rating
    ask.requester_rating = rating
    ask.requester_feedback = feedback
    audit.record(actor, "ask.rated", ask, {"from": old, "to": rating})
    return ask


def _complete_request_if_done(actor, request: ReferenceRequest) -> None:
    statuses = [a.status for a in request.asks]
    completed = statuses.count("completed")
    if (
        request.status in ("in_progress", "fulfilled")
        and completed >= request.advocates_needed
        and not any(s in ("pending", "accepted") for s in statuses)
    ):
        old = request.status
        request.status = "completed"
        audit.record(actor, "request.completed", request, {"from": old})


def place_asks(actor, request: ReferenceRequest, advocates, *, respond_by=None, personal_note=None):
    """Place several asks, each checked alone: (placed asks, {advocate name: why refused}).
    The `personal_note` goes with each; a bad one refuses them all (ValidationFailed)."""
    personal_note = check_personal_note(personal_note)
    placed, refused = [], {}
    for advocate in advocates:
        try:
            with db.session.begin_nested():
                placed.append(
                    place_ask(
                        actor, request, advocate, respond_by=respond_by, personal_note=personal_note
                    )
                )
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refused[advocate.name] = error.message
    return placed, refused


# -- reading ------------------------------------------------------------------------------------

TIMELINE_WORDS = {
    "request.drafted": "Draft saved",
    "request.copied": "Started as a copy of an earlier request",
    "request.submitted": "Submitted to the reference team",
    "request.updated": "Details changed",
    "request.assigned": "Assigned to a reference manager",
    "request.commented": "Comment added",
    "request.fulfilled": "Fulfilled: enough advocates accepted",
    "request.completed": "Completed",
    "request.cancelled": "Cancelled",
    "request.expired": "Expired: the needed-by date passed",
    "request.outcome": "Opportunity outcome recorded",
    "ask.placed": "Asked {advocate}",
    "ask.accepted": "{advocate} accepted",
    "ask.declined": "{advocate} declined",
    "ask.expired": "The ask to {advocate} expired unanswered",
    "ask.withdrawn": "The ask to {advocate} was withdrawn",
    "ask.vetoed": "The account's customer success manager stopped the ask to {advocate}",
    "request.reopened": "Reopened: an advocate who had accepted backed out",
    "ask.slots_offered": "Times offered for the activity with {advocate}",
    "ask.slot_picked": "A time was picked for the activity with {advocate}",
    "ask.scheduled": "Scheduled with {advocate}",
    "ask.rescheduled": "Rescheduled with {advocate}",
    "ask.completed": "Completed with {advocate}",
    "ask.rated": "Rated the reference by {advocate}",
}


def request_timeline(request: ReferenceRequest) -> list[dict]:
    """The request's history in words, oldest first, from its audit events and its asks'."""
    from portal.audit.models import AuditEvent

    asks = {ask.id: ask for ask in request.asks}
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(
                    AuditEvent.entity == ReferenceRequest.__tablename__,
                    AuditEvent.entity_id == request.id,
                ),
                sa.and_(AuditEvent.entity == Ask.__tablename__, AuditEvent.entity_id.in_(asks)),
            )
        )
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    timeline = []
    for event in events:
        words = TIMELINE_WORDS.get(event.action)
        if words is None:
            continue
        ask = asks.get(event.entity_id) if event.entity == Ask.__tablename__ else None
        text = words.format(advocate=ask.advocate.name if ask else "")
        if event.action == "request.cancelled" and (event.data or {}).get("reason"):
            text += f": {event.data['reason']}"
        timeline.append(
            {"at": event.at, "text": text, "actor": event.actor, "action": event.action}
        )
    return timeline


def scheduled_asks(start: dt.datetime, end: dt.datetime) -> list[Ask]:
    """Accepted or completed asks with a date in [start, end), for the program calendar, with
    what the calendar shows of each (request and requester, advocate and account) in the same
    statement."""
    return db.session.scalars(
        sa.select(Ask)
        .options(
            load_only(Ask.request_id, Ask.advocate_id, Ask.scheduled_at, Ask.status),
            joinedload(Ask.request)
            .load_only(
                ReferenceRequest.activity_type,
                ReferenceRequest.prospect_company,
                ReferenceRequest.requester_id,
            )
            .joinedload(ReferenceRequest.requester)
            .load_only(User.name, User.team),
            joinedload(Ask.advocate)
            .load_only(Advocate.name, Advocate.account_id)
            .joinedload(Advocate.account)
            .load_only(Account.name),
        )
        .where(
            Ask.scheduled_at >= start,
            Ask.scheduled_at < end,
            Ask.status.in_(("accepted", "completed")),
        )
        .order_by(Ask.scheduled_at)
    ).all()


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
    query = sa.select(Ask).join(Ask.request).options(sa.orm.contains_eager(Ask.request))
    if actor.role == "advocate":
        query = query.join(Ask.advocate).where(Advocate.user_id == actor.id, Ask.not_held())
    elif actor.role not in PROGRAM:
        query = query.where(ReferenceRequest.requester_id == actor.id)
    for column, value in (
        (Ask.status, status),
        (ReferenceRequest.activity_type, activity_type),
        (Ask.advocate_id, advocate_id),
        (Ask.request_id, request_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(Ask.asked_at.desc(), Ask.id.desc())
