"""Scheduling by offered times (portal.asks.slots): the rules of a round, who may offer and pick,
the pick scheduling the ask through the ask workflow, and the invitations reaching both
attendees over real SMTP."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from portal.asks import slots
from portal.asks.slot_models import AskSlot
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory, advocate_with_login
from tests.helpers import count, delivered_text
from tests.notifications.test_messages import as_mime
from tests.queries import QueryCounter

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
FIELD = "%Y-%m-%dT%H:%M"


def local(days: int, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN) -> dt.datetime:
    """A wall-clock time `days` ahead in `zone`."""
    day = dt.datetime.now(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), zone)


def typed(when: dt.datetime) -> str:
    """What a datetime-local field sends: the wall-clock time, no offset."""
    return when.strftime(FIELD)


def build_people():
    manager = UserFactory(role="manager", email="mgr@example.com", name="Maya Manager")
    requester = UserFactory(
        role="requester",
        team="sales",
        email="rep@example.com",
        name="Sam Seller",
        timezone="America/New_York",
    )
    advocate, user = advocate_with_login(timezone="Europe/Berlin", name="Ada Lovelace")
    request = ReferenceRequestFactory(requester=requester, prospect_company="Globex")
    ask = AskFactory(
        advocate=advocate, request=request, status="accepted", responded_at=dt.datetime.now(UTC)
    )
    _db.session.commit()
    return SimpleNamespace(
        manager=manager, requester=requester, advocate=advocate, user=user, request=request, ask=ask
    )


@pytest.fixture
def people(db):
    return build_people()


def written(db) -> tuple[int, int, int]:
    """Rows a refusal must not add: times, audit events on asks, outbox messages."""
    on_asks = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity == "asks")
    )
    return count(db, AskSlot), on_asks, count(db, OutboxMessage)


def outbox(db, template: str) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.template == template)
        .order_by(OutboxMessage.id)
    ).all()


def actions(db, ask) -> list[tuple[str, int | None]]:
    return db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.entity == "asks", AuditEvent.entity_id == ask.id)
        .order_by(AuditEvent.id)
    ).all()


def offer_as_advocate(people, *whens):
    zone = slots.advocate_zone(people.ask)
    return slots.offer_slots(people.user, people.ask, [typed(w) for w in whens], zone=zone)


def invitation(row) -> icalendar.Event:
    mime = as_mime(row)
    [part] = [p for p in mime.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    [event] = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    return event


def test_advocate_offers_times_in_their_zone_and_the_requester_reads_them_in_theirs(db, people):
    first, second = local(3, 10), local(4, 14, 30)
    offered = offer_as_advocate(people, second, first)
    db.session.commit()

    assert [s.starts_at for s in offered] == [first.astimezone(UTC), second.astimezone(UTC)]
    assert {(s.proposed_by, s.status, s.proposer_id) for s in offered} == {
        ("advocate", "offered", people.user.id)
    }
    assert actions(db, people.ask) == [("ask.slots_offered", people.user.id)]
    [mail] = outbox(db, "ask_slots_offered")
    assert mail.recipient == people.requester.email
    assert "Ada Lovelace offered times" in mail.subject
    text = delivered_text(mail)
    for when in (first, second):
        assert when.astimezone(NEW_YORK).strftime("%A %d %B %Y, %H:%M") in text
    assert "America/New_York" in text
    assert f"/requests/{people.request.id}#slots-{people.ask.id}" in text


def test_seconds_are_dropped_and_a_given_offset_is_honoured(db, people):
    day = (dt.datetime.now(UTC) + dt.timedelta(days=5)).date().isoformat()
    [slot] = slots.offer_slots(people.user, people.ask, [f"{day}T15:00:42.5+01:00"])
    assert slot.starts_at == dt.datetime.fromisoformat(f"{day}T14:00:00+00:00")


def test_requester_books_a_time_and_both_attendees_get_the_invitation(db, people):
    first, second = offer_as_advocate(people, local(3, 10), local(4, 14, 30))
    db.session.commit()

    picked = slots.pick_slot(people.requester, people.ask, second.id)
    db.session.commit()

    assert picked is second and second.status == "picked" and first.status == "withdrawn"
    assert people.ask.scheduled_at == second.starts_at
    assert actions(db, people.ask)[-2:] == [
        ("ask.slot_picked", people.requester.id),
        ("ask.scheduled", people.requester.id),
    ]
    rows = outbox(db, "ask_scheduled")
    assert {row.recipient for row in rows} == {people.advocate.email, people.requester.email}
    for row in rows:
        event = invitation(row)
        assert event.decoded("DTSTART").astimezone(UTC) == second.starts_at
        assert event["SEQUENCE"] == 0


def test_requester_proposes_and_the_advocate_picks(db, people):
    wanted = local(6, 9, 30, NEW_YORK)
    offered = slots.offer_slots(
        people.requester, people.ask, [typed(wanted), typed(local(7, 11, 0, NEW_YORK))],
        zone=NEW_YORK,
    )  # fmt: skip
    db.session.commit()
    assert offered[0].starts_at == wanted.astimezone(UTC)
    [mail] = outbox(db, "ask_slots_offered")
    assert mail.recipient == people.advocate.email
    text = delivered_text(mail)
    assert wanted.astimezone(BERLIN).strftime("%A %d %B %Y, %H:%M") in text
    assert f"/me/asks/{people.ask.id}#slots" in text

    slots.pick_slot(people.user, people.ask, offered[0].id)
    db.session.commit()
    assert people.ask.scheduled_at == wanted.astimezone(UTC)
    # The advocate picked, and the advocate set the date.
    assert actions(db, people.ask)[-2:] == [
        ("ask.slot_picked", people.user.id),
        ("ask.scheduled", people.user.id),
    ]
    assert {r.recipient for r in outbox(db, "ask_scheduled")} == {
        people.advocate.email,
        people.requester.email,
    }


def test_program_team_offers_for_the_requester_and_books_the_advocates_time(db, people):
    [proposal] = slots.offer_slots(
        people.manager, people.ask, [local(5, 16).isoformat()], zone=None
    )
    assert proposal.proposed_by == "manager"
    with pytest.raises(DomainError, match="from your side"):
        slots.pick_slot(people.manager, people.ask, proposal.id)
    db.session.rollback()
    [slot] = offer_as_advocate(people, local(8, 10))
    slots.pick_slot(people.manager, people.ask, slot.id)
    db.session.commit()
    assert people.ask.scheduled_at == slot.starts_at
    assert actions(db, people.ask)[-1] == ("ask.scheduled", people.manager.id)


def test_a_new_round_on_a_scheduled_ask_moves_it_and_raises_the_sequence(db, people):
    [slot] = offer_as_advocate(people, local(3, 10))
    slots.pick_slot(people.requester, people.ask, slot.id)
    db.session.commit()

    later = local(10, 15)
    [moved] = offer_as_advocate(people, later)
    db.session.commit()
    offer_mail = outbox(db, "ask_slots_offered")[-1]
    assert "to move it from" in delivered_text(offer_mail)
    slots.pick_slot(people.requester, people.ask, moved.id)
    db.session.commit()

    assert people.ask.scheduled_at == later.astimezone(UTC)
    assert actions(db, people.ask)[-1] == ("ask.rescheduled", people.requester.id)
    latest = [r for r in outbox(db, "ask_scheduled") if r.subject.startswith("Moved")]
    assert {r.recipient for r in latest} == {people.advocate.email, people.requester.email}
    assert all(invitation(r)["SEQUENCE"] == 1 for r in latest)


def test_a_new_round_withdraws_the_open_times_and_a_withdrawn_time_cannot_be_booked(db, people):
    [old] = offer_as_advocate(people, local(3, 10))
    db.session.commit()
    [counter] = slots.offer_slots(
        people.requester, people.ask, [typed(local(4, 9, 0, NEW_YORK))], zone=NEW_YORK
    )
    db.session.commit()
    assert old.status == "withdrawn" and counter.status == "offered"
    before = written(db)

    with pytest.raises(DomainError, match="withdrawn") as refused:
        slots.pick_slot(people.requester, people.ask, old.id)
    assert "slot_id" in refused.value.fields
    db.session.commit()
    assert written(db) == before and people.ask.scheduled_at is None


def test_a_booked_time_cannot_be_booked_again(db, people):
    [slot] = offer_as_advocate(people, local(3, 10))
    slots.pick_slot(people.requester, people.ask, slot.id)
    db.session.commit()
    before = written(db)
    with pytest.raises(DomainError, match="already booked"):
        slots.pick_slot(people.requester, people.ask, slot.id)
    db.session.commit()
    assert written(db) == before


def test_a_time_that_has_passed_cannot_be_booked(db, people):
    [slot] = offer_as_advocate(people, local(3, 10))
    slot.starts_at = dt.datetime.now(UTC) - dt.timedelta(minutes=5)
    db.session.commit()
    before = written(db)
    with pytest.raises(DomainError, match="has passed"):
        slots.pick_slot(people.requester, people.ask, slot.id)
    db.session.commit()
    assert written(db) == before and people.ask.scheduled_at is None


def _soon(minutes: int) -> str:
    return (dt.datetime.now(UTC) + dt.timedelta(minutes=minutes)).isoformat()


REFUSED_TIMES = [
    ([], "at least one time"),
    ([_soon(60 * 24 * d) for d in (2, 3, 4, 5)], "at most 3 times (4 given)"),
    ("2027-01-12T15:00:00+01:00", "Give a list"),
    ([_soon(-120)], "at least an hour from now"),
    ([_soon(30)], "at least an hour from now"),
    ([_soon(60 * 24 * 91)], "within the next 90 days"),
    (["tomorrow at ten"], "isn't a date and time"),
    ([""], "isn't a date and time"),
    ([1767225600], "isn't a date and time"),
    (["2027-01-12T15:00"], "needs its UTC offset"),
    (["9999-12-31T23:59:00-12:00"], "out of range"),
]


@pytest.mark.parametrize(("values", "why"), REFUSED_TIMES)
def test_bad_times_are_refused_naming_the_field_and_write_nothing(db, people, values, why):
    before = written(db)
    with pytest.raises(ValidationFailed) as refused:
        slots.offer_slots(people.user, people.ask, values)
    assert why in refused.value.message
    assert set(refused.value.fields) == {"starts_at"}
    db.session.commit()
    assert written(db) == before


def test_the_same_time_twice_is_refused_once_seconds_are_dropped(db, people):
    day = (dt.datetime.now(UTC) + dt.timedelta(days=5)).date().isoformat()
    before = written(db)
    with pytest.raises(ValidationFailed, match="Time 2 is the same as time 1"):
        slots.offer_slots(people.user, people.ask, [f"{day}T10:00:00Z", f"{day}T10:00:30Z"])
    db.session.commit()
    assert written(db) == before


def test_every_problem_is_named_at_once(db, people):
    with pytest.raises(ValidationFailed) as refused:
        slots.offer_slots(people.user, people.ask, ["soon", _soon(30)])
    assert refused.value.message == (
        "Time 1 isn't a date and time like 2027-01-12T15:00:00+01:00. "
        "Time 2 must be at least an hour from now."
    )


@pytest.mark.parametrize("status", ["pending", "declined", "withdrawn", "completed"])
def test_times_are_offered_only_on_an_accepted_ask(db, people, status):
    people.ask.status = status
    db.session.commit()
    before = written(db)
    with pytest.raises(DomainError, match="only an accepted one") as refused:
        offer_as_advocate(people, local(3, 10))
    assert refused.value.status == 409
    db.session.commit()
    assert written(db) == before


def test_a_time_is_picked_only_on_an_accepted_ask(db, people):
    [slot] = offer_as_advocate(people, local(3, 10))
    people.ask.status = "withdrawn"
    db.session.commit()
    before = written(db)
    with pytest.raises(DomainError, match="only an accepted one is scheduled"):
        slots.pick_slot(people.requester, people.ask, slot.id)
    db.session.commit()
    assert written(db) == before


def test_only_the_two_sides_of_the_ask_may_offer_or_pick(db, people):
    [slot] = offer_as_advocate(people, local(3, 10))
    db.session.commit()
    _, other_advocate = advocate_with_login()
    strangers = [
        other_advocate,
        UserFactory(role="requester", team="sales"),
        UserFactory(role="csm"),  # customer success: only on their own requests
        None,
    ]
    db.session.commit()
    before = written(db)
    for stranger in strangers:
        with pytest.raises(NotFound):
            slots.offer_slots(stranger, people.ask, [local(4, 10).isoformat()])
        with pytest.raises(NotFound):
            slots.pick_slot(stranger, people.ask, slot.id)
        with pytest.raises(NotFound):
            slots.slots_query(stranger, people.ask)
    with pytest.raises(DomainError, match="from your side; the requester picks"):
        slots.pick_slot(people.user, people.ask, slot.id)
    db.session.commit()
    assert written(db) == before and slot.status == "offered"


def test_a_csm_who_filed_the_request_is_its_requester(db, people):
    csm = UserFactory(role="csm")
    ask = AskFactory(
        advocate=people.advocate, request=ReferenceRequestFactory(requester=csm), status="accepted"
    )
    [slot] = slots.offer_slots(people.user, ask, [local(3, 10).isoformat()])
    slots.pick_slot(csm, ask, slot.id)
    assert ask.scheduled_at == slot.starts_at


def test_an_advocate_does_not_see_an_ask_the_csm_may_still_veto(db, people):
    people.ask.held_until = dt.datetime.now(UTC) + dt.timedelta(hours=2)
    db.session.commit()
    with pytest.raises(NotFound):
        offer_as_advocate(people, local(3, 10))


def test_a_time_not_offered_on_this_ask_is_not_found(db, people):
    other_ask = AskFactory(
        advocate=people.advocate,
        request=ReferenceRequestFactory(requester=people.requester),
        status="accepted",
    )
    [elsewhere] = slots.offer_slots(people.user, other_ask, [local(3, 10).isoformat()])
    db.session.commit()
    before = written(db)
    for slot_id in (elsewhere.id, 999999, 0, -1, "1", True, None, 2**40):
        with pytest.raises(NotFound, match="isn't one offered on this ask"):
            slots.pick_slot(people.requester, people.ask, slot_id)
    db.session.commit()
    assert written(db) == before and elsewhere.status == "offered"


def test_pages_read_the_open_times_of_many_asks_in_one_query(db, people):
    other = AskFactory(
        advocate=advocate_with_login()[0],
        request=people.request,
        status="accepted",
    )
    offer_as_advocate(people, local(3, 10), local(3, 12))
    db.session.commit()
    ids = [people.ask.id, other.id]

    with QueryCounter(db.engine) as counter:
        found = slots.offered_by_ask(ids)
    assert counter.count == 1
    assert [len(found[ask_id]) for ask_id in ids] == [2, 0]


# -- real SMTP ----------------------------------------------------------------------------------

BASE = "http://portal.test"


def test_an_advocate_sets_a_date_only_by_picking_a_time_offered_on_their_own_ask(db, people):
    from portal.asks import completion

    when = dt.datetime.now(UTC) + dt.timedelta(days=3)
    # Typing a date is the requester's side's job, even on the advocate's own ask.
    with pytest.raises(NotFound):
        completion.schedule_ask(people.user, people.ask, when)
    # Another advocate can't use the picking door on someone else's ask.
    _other, stranger = advocate_with_login()
    with pytest.raises(NotFound):
        completion.schedule_ask(stranger, people.ask, when, advocate_pick=True)
    assert people.ask.scheduled_at is None
    completion.schedule_ask(people.user, people.ask, when, advocate_pick=True)
    assert people.ask.scheduled_at == when


def test_after_a_pick_the_advocate_and_the_requester_receive_the_invitation_by_smtp(mail_app, smtp):
    people = build_people()
    offer_as_advocate(people, local(3, 10), local(4, 11))
    _db.session.commit()
    assert send_due().failed == 0
    [offer] = smtp.handler.parsed()
    assert offer["To"] == people.requester.email and "offered times" in offer["Subject"]
    second = _db.session.scalars(
        sa.select(AskSlot).where(AskSlot.ask_id == people.ask.id).order_by(AskSlot.starts_at)
    ).all()[1]

    slots.pick_slot(people.requester, people.ask, second.id)
    _db.session.commit()
    counts = send_due()
    assert counts.failed == 0 and counts.retrying == 0

    invitations = {}
    for mail in smtp.handler.parsed()[1:]:
        for part in mail.iter_attachments():
            if part.get_content_type() == "text/calendar":
                assert part.get_param("method") == "REQUEST"
                [event] = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
                invitations[mail["To"]] = event
    assert set(invitations) == {people.advocate.email, people.requester.email}
    for event in invitations.values():
        assert event.decoded("DTSTART").astimezone(UTC) == second.starts_at
        assert str(event["UID"]) == f"ask-{people.ask.id}@portal.test"
