"""An accepted ask carried through: its date set or moved, completed (with the activity's points
and the requester's rating) or rated later, and the request completed with its last ask."""

from __future__ import annotations

import datetime as dt

from portal.asks.asks import can_see_ask
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.requests import _may_manage
from portal.audit import service as audit
from portal.benefits.models import LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import gettext
from portal.program.service import get_setting
from portal.vocab import label

FEEDBACK_MAX = 5000


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
