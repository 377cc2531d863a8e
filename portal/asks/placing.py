"""Placing asks: who may ask whom for a request, the ask and its e-mail (one or several at
once), and the account's CSM, who is told and may stop the ask while it is held."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext

from portal.advocates.models import Advocate
from portal.asks import matching
from portal.asks.asks import NOTE_MAX, answer_links
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.overuse import check_can_ask, lock_advocate
from portal.asks.personal_note import check_personal_note
from portal.audit import service as audit
from portal.auth.permissions import can
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import gettext, locale_for_advocate
from portal.notifications.models import OutboxMessage
from portal.notifications.service import notify, queue_email
from portal.program.ask_templates import template_text
from portal.program.service import get_setting
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import in_sentence, label

ASKABLE_REQUEST_STATUSES = ("submitted", "in_progress")


def may_place_ask(actor, request: ReferenceRequest) -> bool:
    """Managers always; a requester only for their own request of a self-service type."""
    if actor is None:
        return False
    if can(actor, "program.manage"):
        return True
    return (
        can(actor, "requests.create")
        and request.requester_id == actor.id
        and request.activity_type in get_setting("self_service_activity_types")
    )


NOT_OFFERED = "That advocate isn't one of this request's matches."


def _self_service(actor) -> bool:
    """A requester (or CSM) placing asks themselves: only to the request's offered matches."""
    return actor is not None and not can(actor, "program.manage")


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
        if can(actor, "requests.create"):  # a requester (the program team may place any)
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
    if request.manager_id is None and can(actor, "program.manage"):
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


def may_veto(actor, ask: Ask) -> bool:
    """The account's customer success manager, or the program team."""
    if actor is None:
        return False
    return can(actor, "program.manage") or (
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
