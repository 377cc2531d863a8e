"""Scheduling without e-mail ping-pong: one side offers one to three times for an accepted ask,
the other side picks one, and the pick schedules the ask through the ask workflow
(`schedule_ask`, or `reschedule_ask` once it has a date), so both attendees get the calendar
invitation.

The advocate offers in their own time zone and the requester (or the program team for them)
picks; or the requester's side offers and the advocate picks. One round is open per ask at a
time: a new offer withdraws the times still open, and a pick withdraws the rest of its round.
A round on an ask that already has a date moves it (the invitation's SEQUENCE goes up).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext

from portal.asks import completion
from portal.asks.models import Ask
from portal.asks.slot_models import AskSlot
from portal.audit import service as audit
from portal.auth.permissions import can
from portal.database import lock_row, now_utc
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.localization import _zone
from portal.notifications.service import queue_email
from portal.urls import external_url
from portal.vocab import in_sentence, label

MAX_SLOTS = 3
MIN_NOTICE = dt.timedelta(hours=1)
MAX_AHEAD = dt.timedelta(days=90)
FIELD = "starts_at"
NOT_A_TIME = "isn't a date and time like 2027-01-12T15:00:00+01:00"
NOT_ON_ASK = "That time isn't one offered on this ask."
# The side each proposer is on: the program team offers and picks for the requester.
SIDES = {"advocate": "advocate", "requester": "requester", "manager": "requester"}


def proposer_of(actor, ask: Ask) -> str:
    """Who the actor is on this ask: 'advocate' (their own ask), 'requester' (an ask on their
    own request) or 'manager' (the program team); anyone else gets NotFound, as for the ask."""
    if actor is not None:
        if can(actor, "program.manage"):
            return "manager"
        if actor.role == "advocate":
            if ask.advocate.user_id == actor.id and not ask.is_held():
                return "advocate"
        elif ask.request.requester_id == actor.id:
            return "requester"
    raise NotFound("No such ask.")


def advocate_zone(ask: Ask) -> ZoneInfo:
    """The advocate's recorded time zone: the one they offer and read times in."""
    return _zone(ask.advocate.timezone)


def _check_accepted(ask: Ask, doing: str) -> None:
    if ask.status != "accepted":
        raise DomainError(f"This ask is {label(ask.status).lower()}; only an accepted one {doing}.")


def _parse(value, zone: ZoneInfo | None) -> dt.datetime | str:
    """`value` as an aware UTC time without seconds, or the words for why it is not one."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return NOT_A_TIME
    else:
        return NOT_A_TIME
    if when.tzinfo is None:
        if zone is None:
            return "needs its UTC offset, like +01:00 or Z"
        when = when.replace(tzinfo=zone)
    try:
        return when.astimezone(dt.UTC).replace(second=0, microsecond=0)
    except (OverflowError, ValueError):
        return "is out of range"


def check_times(values, zone: ZoneInfo | None = None, at: dt.datetime | None = None) -> list:
    """One to three distinct times from an hour ahead to 90 days ahead, seconds dropped, as UTC
    and in order; else ValidationFailed naming `starts_at` with every problem. A time without a
    UTC offset is read in `zone` (the page's); without a zone it is refused."""
    at = at or now_utc()
    if not isinstance(values, list | tuple):
        raise ValidationFailed(f"Give a list of 1 to {MAX_SLOTS} times.", field=FIELD)
    if not values:
        raise ValidationFailed("Give at least one time.", field=FIELD)
    if len(values) > MAX_SLOTS:
        raise ValidationFailed(
            f"Give at most {MAX_SLOTS} times ({len(values)} given).", field=FIELD
        )
    earliest, latest = at + MIN_NOTICE, at + MAX_AHEAD
    problems: list[str] = []
    seen: dict[dt.datetime, int] = {}
    for n, value in enumerate(values, 1):
        name = f"Time {n}" if len(values) > 1 else "The time"
        when = _parse(value, zone)
        if isinstance(when, str):
            problems.append(f"{name} {when}.")
        elif when < earliest:
            problems.append(f"{name} must be at least an hour from now.")
        elif when > latest:
            problems.append(f"{name} must be within the next {MAX_AHEAD.days} days.")
        elif when in seen:
            problems.append(f"{name} is the same as time {seen[when]}.")
        else:
            seen[when] = n
    if problems:
        raise ValidationFailed(" ".join(problems), field=FIELD)
    return sorted(seen)


def _lock(ask: Ask) -> None:
    """Serialize offers and picks on one ask until the transaction ends, then read the ask as
    it now is."""
    db.session.flush()
    lock_row(Ask, ask.id, refresh=ask)


def _open(ask_id: int) -> list[AskSlot]:
    return db.session.scalars(
        sa.select(AskSlot)
        .where(AskSlot.ask_id == ask_id, AskSlot.status == "offered")
        .order_by(AskSlot.starts_at, AskSlot.id)
        .execution_options(populate_existing=True)
    ).all()


def offer_slots(
    actor, ask: Ask, starts_at, *, zone: ZoneInfo | None = None, at: dt.datetime | None = None
) -> list[AskSlot]:
    """Offer one to three times for an accepted ask: a new round (the times still open are
    withdrawn), and the other side is told by e-mail with a link to pick one."""
    at = at or now_utc()
    proposer = proposer_of(actor, ask)
    _check_accepted(ask, "gets times offered")
    times = check_times(starts_at, zone, at)
    _lock(ask)
    _check_accepted(ask, "gets times offered")
    withdrawn = _open(ask.id)
    for slot in withdrawn:
        slot.status = "withdrawn"
    offered = [
        AskSlot(
            ask_id=ask.id,
            starts_at=when,
            proposed_by=proposer,
            proposer_id=actor.id,
            status="offered",
            created_at=at,
        )
        for when in times
    ]
    db.session.add_all(offered)
    db.session.flush()
    audit.record(
        actor,
        "ask.slots_offered",
        ask,
        {
            "proposed_by": proposer,
            "slot_ids": [slot.id for slot in offered],
            "starts_at": times,
            "withdrawn": [slot.id for slot in withdrawn],
        },
    )
    _tell_other_side(actor, ask, proposer, offered)
    return offered


def _tell_other_side(actor, ask: Ask, proposer: str, offered: list[AskSlot]) -> None:
    """E-mail the side that picks: the requester for the advocate's times, else the advocate.
    The times are shown in the recipient's own time zone."""
    request = ask.request
    what = in_sentence(request.activity_type)
    if SIDES[proposer] == "advocate":
        recipient, name, user = request.requester.email, request.requester.name, request.requester
        offered_by = ask.advocate.name
        link = external_url("requests.detail", request_id=request.id, _anchor=f"slots-{ask.id}")
    else:
        recipient, name, user = ask.advocate.email, ask.advocate.name, ask.advocate.user
        offered_by = actor.name
        link = external_url("me.ask", ask_id=ask.id, _anchor="slots")
    context = {"user": user} if user is not None else {}
    queue_email(
        "ask_slots_offered",
        recipient,
        lazy_gettext(
            "%(name)s offered times for the %(activity)s: pick one", name=offered_by, activity=what
        ),
        ask=ask,
        request=request,
        slots=offered,
        offered_by=offered_by,
        name=name,
        moving=ask.scheduled_at is not None,
        link=link,
        **context,
    )


def pick_slot(actor, ask: Ask, slot_id, *, at: dt.datetime | None = None) -> AskSlot:
    """Pick one of the other side's open times: it schedules the ask (or moves its date), both
    attendees get the calendar invitation, and the rest of the round is withdrawn."""
    at = at or now_utc()
    picker = proposer_of(actor, ask)
    valid = isinstance(slot_id, int) and not isinstance(slot_id, bool)
    slot = db.session.get(AskSlot, slot_id) if valid and 0 < slot_id < 2**31 else None
    if slot is None or slot.ask_id != ask.id:
        raise NotFound(NOT_ON_ASK, field="slot_id")
    _lock(ask)
    db.session.refresh(slot)
    _check_accepted(ask, "is scheduled")
    if SIDES[slot.proposed_by] == SIDES[picker]:
        other = "the advocate" if SIDES[picker] == "requester" else "the requester"
        raise DomainError(f"That time comes from your side; {other} picks one.", field="slot_id")
    if slot.status == "withdrawn":
        raise DomainError(
            "That time was withdrawn: newer times replaced it. Pick one of the times offered now.",
            field="slot_id",
        )
    if slot.status == "picked":
        raise DomainError("That time is already booked.", field="slot_id")
    if slot.starts_at <= at:
        raise DomainError("That time has passed; offer new times.", field="slot_id")
    rest = [other for other in _open(ask.id) if other.id != slot.id]
    slot.status = "picked"
    for other in rest:
        other.status = "withdrawn"
    audit.record(
        actor,
        "ask.slot_picked",
        ask,
        {
            "slot_id": slot.id,
            "starts_at": slot.starts_at,
            "proposed_by": slot.proposed_by,
            "picked_by": picker,
            "withdrawn": [other.id for other in rest],
        },
    )
    # The one who picked sets the date (an advocate may, for a time the other side offered).
    by_advocate = picker == "advocate"
    if ask.scheduled_at is None:
        completion.schedule_ask(actor, ask, slot.starts_at, advocate_pick=by_advocate)
    else:
        completion.reschedule_ask(actor, ask, slot.starts_at, advocate_pick=by_advocate)
    return slot


def slots_query(actor, ask: Ask, status: str | None = None) -> sa.Select:
    """Every time offered on the ask (the newest round first), for either side of it."""
    proposer_of(actor, ask)
    query = sa.select(AskSlot).where(AskSlot.ask_id == ask.id)
    if status:
        query = query.where(AskSlot.status == status)
    return query.order_by(AskSlot.created_at.desc(), AskSlot.starts_at, AskSlot.id)


def offered_by_ask(ask_ids) -> dict[int, list[AskSlot]]:
    """The open times of each ask, soonest first, read in one query (what a page shows)."""
    found: dict[int, list[AskSlot]] = {ask_id: [] for ask_id in ask_ids}
    if found:
        query = (
            sa.select(AskSlot)
            .where(AskSlot.ask_id.in_(found), AskSlot.status == "offered")
            .order_by(AskSlot.starts_at, AskSlot.id)
        )
        for slot in db.session.scalars(query):
            found[slot.ask_id].append(slot)
    return found
