"""The ask workflow: place, answer, withdraw, expire. Every path goes through these functions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.overuse import check_can_ask, lock_advocate
from portal.audit import service as audit
from portal.auth.links import issue_link_token, peek_link_token, use_link_token
from portal.auth.permissions import PROGRAM
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.service import queue_email
from portal.program.service import get_setting
from portal.urls import external_url
from portal.vocab import DECLINE_REASONS, label

ASKABLE_REQUEST_STATUSES = ("submitted", "in_progress")
ANSWER_PURPOSES = {"accept": "ask-accept", "decline": "ask-decline"}
NOTE_MAX = 2000
PROPOSED_TIMES_MAX = 500


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
) -> Ask:
    """Ask `advocate` to help with `request`, within program rule 1, and e-mail them."""
    if not may_place_ask(actor, request):
        if actor is not None and actor.role in ("requester", "csm"):
            raise Forbidden(
                f"{label(request.activity_type)} asks go through the reference team; "
                "a manager places them."
            )
        raise Forbidden("You can't place asks.")
    at = at or now_utc()
    if request.status not in ASKABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it takes no new asks.")
    if respond_by is None:
        respond_by = at + dt.timedelta(days=int(get_setting("respond_within_days")))
    if respond_by <= at:
        raise ValidationFailed("The answer deadline must be in the future.", field="respond_by")
    if respond_by > at + dt.timedelta(days=60):
        raise ValidationFailed("Give the advocate at most 60 days to answer.", field="respond_by")
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

    ask = Ask(
        request=request,
        advocate=advocate,
        placed_by_id=actor.id,
        status="pending",
        asked_at=at,
        respond_by=respond_by,
    )
    db.session.add(ask)
    if request.status == "submitted":
        request.status = "in_progress"
    db.session.flush()
    audit.record(
        actor,
        "ask.placed",
        ask,
        {"request_id": request.id, "advocate_id": advocate.id, "respond_by": respond_by},
    )
    links = answer_links(ask)
    queue_email(
        "ask_placed",
        advocate.email,
        f"Could you help with a {label(request.activity_type).lower()}?",
        ask=ask,
        request=request,
        advocate=advocate,
        accept_link=links["accept"],
        decline_link=links["decline"],
    )
    return ask


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
        raise DomainError(f"This ask was already {label(ask.status).lower()}.")
    if ask.respond_by <= at:
        raise DomainError(
            f"The time to answer ended on {ask.respond_by:%d %B %Y}; this ask has expired."
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
        raise NotFound("No such ask.")
    _check_answer(ask, at)
    errors = {}
    note = (note or "").strip() or None
    proposed_times = (proposed_times or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors["note"] = f"Must be at most {NOTE_MAX} characters (it has {len(note)})."
    if accept:
        if proposed_times and len(proposed_times) > PROPOSED_TIMES_MAX:
            errors["proposed_times"] = f"Must be at most {PROPOSED_TIMES_MAX} characters."
    elif reason not in DECLINE_REASONS:
        errors["reason"] = f"Must be one of: {', '.join(DECLINE_REASONS)}."
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
        raise NotFound("No such link.")
    row = peek_link_token(token, purpose, current_app.config["ASK_LINK_MAX_AGE"])
    ask = db.session.get(Ask, row.target_id)
    if ask is None:
        raise NotFound("No such ask.")
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
        raise Forbidden("Only the reference team or whoever placed the ask can withdraw it.")
    if ask.status not in ("pending", "accepted"):
        raise DomainError(f"This ask is {label(ask.status).lower()}; it can't be withdrawn.")
    old = ask.status
    ask.status = "withdrawn"
    audit.record(actor, "ask.withdrawn", ask, {"from": old, "reason": reason})
    queue_email(
        "ask_withdrawn",
        ask.advocate.email,
        f"No longer needed: {label(ask.request.activity_type).lower()}",
        ask=ask,
        request=ask.request,
        reason=reason,
    )
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
        raise NotFound("No such ask.")
    return ask


def can_see_ask(actor, ask: Ask) -> bool:
    if actor is None:
        return False
    if actor.role in PROGRAM:
        return True
    if actor.role == "advocate":
        return ask.advocate.user_id == actor.id
    return ask.request.requester_id == actor.id
