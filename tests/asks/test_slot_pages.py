"""Offering and booking times on the pages: the advocate's accept form and ask page, the
requester's request page and the program team's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.asks import slots
from portal.asks.slot_models import AskSlot
from portal.notifications.models import OutboxMessage
from tests.asks.test_slots import BERLIN, NEW_YORK, build_people, local, typed, written
from tests.factories import AskFactory, UserFactory, advocate_with_login
from tests.queries import QueryCounter

UTC = dt.UTC


@pytest.fixture
def people(db):
    return build_people()


def as_user(auth, user):
    auth.logout()
    assert auth.login(user.email).status_code == 302


def slots_of(db, ask) -> list[AskSlot]:
    return db.session.scalars(
        sa.select(AskSlot).where(AskSlot.ask_id == ask.id).order_by(AskSlot.starts_at)
    ).all()


def shown(when: dt.datetime, zone) -> str:
    """A time as the pages show it in `zone`."""
    local_time = when.astimezone(zone)
    return f"{local_time:%a %d %b %Y, %H:%M} {local_time.tzname()}"


def test_advocate_accepts_offering_two_times_and_the_requester_sees_them_to_book(
    client, auth, db, people
):
    people.ask.status = "pending"
    people.ask.responded_at = None
    db.session.commit()
    first, second = local(3, 10), local(4, 16, 30)
    as_user(auth, people.user)
    page = client.get(f"/me/asks/{people.ask.id}").get_data(as_text=True)
    assert "Times you could do (optional)" in page and "Europe/Berlin" in page

    response = client.post(
        f"/me/asks/{people.ask.id}/accept",
        data={"note": "", "starts_at": [typed(first), typed(second), ""]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert people.ask.status == "accepted"
    assert [s.starts_at for s in slots_of(db, people.ask)] == [
        first.astimezone(UTC),
        second.astimezone(UTC),
    ]
    page = client.get(f"/me/asks/{people.ask.id}").get_data(as_text=True)
    assert "You offered" in page and shown(first, BERLIN) in page

    as_user(auth, people.requester)
    page = client.get(f"/requests/{people.request.id}").get_data(as_text=True)
    assert page.count(">Book<") == 2
    assert shown(first, NEW_YORK) in page and shown(second, NEW_YORK) in page
    assert "America/New_York" in page


def test_a_bad_time_on_the_accept_form_keeps_the_ask_pending_and_says_why(client, auth, db, people):
    people.ask.status = "pending"
    db.session.commit()
    before = written(db)
    too_soon = dt.datetime.now(BERLIN) + dt.timedelta(minutes=20)
    as_user(auth, people.user)
    response = client.post(
        f"/me/asks/{people.ask.id}/accept", data={"note": "", "starts_at": [typed(too_soon)]}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="slots-error">The time must be at least an hour from now', page)
    assert f'value="{typed(too_soon)}"' in page  # kept for correcting
    db.session.expire_all()
    assert people.ask.status == "pending" and written(db) == before


def test_requester_books_a_time_from_the_request_page(client, auth, db, people):
    first, second = slots.offer_slots(
        people.user, people.ask, [local(3, 10).isoformat(), local(5, 10).isoformat()]
    )
    db.session.commit()
    as_user(auth, people.requester)
    response = client.post(f"/requests/asks/{people.ask.id}/slots/{second.id}/book")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/requests/{people.request.id}#slots-{people.ask.id}"
    )
    db.session.expire_all()
    assert people.ask.scheduled_at == second.starts_at
    recipients = db.session.scalars(
        sa.select(OutboxMessage.recipient).where(OutboxMessage.template == "ask_scheduled")
    ).all()
    assert sorted(recipients) == sorted([people.advocate.email, people.requester.email])
    page = client.get(f"/requests/{people.request.id}").get_data(as_text=True)
    assert "Booked: you and Ada Lovelace each get a calendar invitation." in page
    assert ">Book<" not in page  # the round is closed


def test_requester_proposes_times_and_bad_ones_are_refused_next_to_the_fields(
    client, auth, db, people
):
    as_user(auth, people.requester)
    before = written(db)
    url = f"/requests/asks/{people.ask.id}/slots"
    response = client.post(url, data={"starts_at": ["next tuesday", ""]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="slots-{people.ask.id}-error">The time isn&#39;t a date and time' in page
    assert "<details open>" in page and 'value="next tuesday"' in page
    assert written(db) == before

    wanted = local(6, 9, 30, NEW_YORK)  # typed in the requester's own zone
    response = client.post(url, data={"starts_at": [typed(wanted), "", ""]})
    assert response.status_code == 302
    [slot] = slots_of(db, people.ask)
    assert (slot.starts_at, slot.proposed_by) == (wanted.astimezone(UTC), "requester")
    page = client.get(f"/requests/{people.request.id}").get_data(as_text=True)
    assert "Waiting for Ada Lovelace to pick one of" in page and shown(wanted, NEW_YORK) in page


def test_advocate_picks_the_requesters_time_on_their_ask_page(client, auth, db, people):
    [slot] = slots.offer_slots(people.requester, people.ask, [local(4, 15).isoformat()])
    db.session.commit()
    as_user(auth, people.user)
    page = client.get(f"/me/asks/{people.ask.id}").get_data(as_text=True)
    assert "Sam Seller proposed these times" in page and shown(slot.starts_at, BERLIN) in page
    assert ">Pick<" in page

    response = client.post(f"/me/asks/{people.ask.id}/slots/{slot.id}/pick")
    assert response.status_code == 302
    db.session.expire_all()
    assert people.ask.scheduled_at == slot.starts_at and slot.status == "picked"
    page = client.get(f"/me/asks/{people.ask.id}").get_data(as_text=True)
    assert "Move the meeting" in page


def test_advocate_offers_after_accepting_and_bad_input_is_a_422(client, auth, db, people):
    as_user(auth, people.user)
    url = f"/me/asks/{people.ask.id}/slots"
    before = written(db)
    response = client.post(url, data={"starts_at": ["", "", ""]})
    assert response.status_code == 422
    assert 'id="slots-error">Give at least one time.' in response.get_data(as_text=True)
    assert written(db) == before

    when = local(2, 8, 15)
    response = client.post(url, data={"starts_at": [typed(when)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("#slots")
    [slot] = slots_of(db, people.ask)
    assert slot.starts_at == when.astimezone(UTC) and slot.proposed_by == "advocate"


def test_advocate_is_told_when_the_ask_is_no_longer_accepted(client, auth, db, people):
    people.ask.status = "withdrawn"
    db.session.commit()
    as_user(auth, people.user)
    response = client.post(
        f"/me/asks/{people.ask.id}/slots", data={"starts_at": [typed(local(3, 10))]}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only an accepted one gets times offered" in page


def test_a_withdrawn_time_on_the_request_page_says_so(client, auth, db, people):
    [old] = slots.offer_slots(people.user, people.ask, [local(3, 10).isoformat()])
    slots.offer_slots(people.user, people.ask, [local(4, 10).isoformat()])
    db.session.commit()
    as_user(auth, people.requester)
    response = client.post(f"/requests/asks/{people.ask.id}/slots/{old.id}/book")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="slots-{people.ask.id}-pick-error">That time was withdrawn' in page
    db.session.expire_all()
    assert people.ask.scheduled_at is None


def test_program_team_books_on_the_program_request_page(client, auth, db, people):
    [slot] = slots.offer_slots(people.user, people.ask, [local(3, 11).isoformat()])
    db.session.commit()
    as_user(auth, people.manager)
    page = client.get(f"/program/requests/{people.request.id}").get_data(as_text=True)
    assert f"/program/asks/{people.ask.id}/slots/{slot.id}/book" in page
    response = client.post(f"/program/asks/{people.ask.id}/slots/{slot.id}/book")
    assert response.status_code == 302
    assert f"/program/requests/{people.request.id}#slots-" in response.headers["Location"]
    db.session.expire_all()
    assert people.ask.scheduled_at == slot.starts_at


def test_no_one_else_books_or_proposes(client, auth, db, people):
    [slot] = slots.offer_slots(people.user, people.ask, [local(3, 11).isoformat()])
    other_requester = UserFactory(role="requester", team="sales")
    csm = UserFactory(role="csm")
    _, other_advocate = advocate_with_login()
    db.session.commit()
    before = written(db)
    for user in (other_requester, csm):
        as_user(auth, user)
        assert (
            client.post(f"/requests/asks/{people.ask.id}/slots/{slot.id}/book").status_code == 404
        )
        assert client.post(f"/requests/asks/{people.ask.id}/slots").status_code == 404
    as_user(auth, other_advocate)
    assert client.post(f"/me/asks/{people.ask.id}/slots/{slot.id}/pick").status_code == 404
    assert client.post(f"/me/asks/{people.ask.id}/slots").status_code == 404
    assert client.post(f"/requests/asks/{people.ask.id}/slots").status_code == 403
    assert written(db) == before


def test_the_request_page_reads_the_times_of_all_its_asks_in_one_query(
    app, client, auth, db, people
):
    for _ in range(3):
        advocate, user = advocate_with_login()
        ask = AskFactory(advocate=advocate, request=people.request, status="accepted")
        slots.offer_slots(user, ask, [local(3, 10).isoformat(), local(4, 10).isoformat()])
    db.session.commit()
    as_user(auth, people.requester)
    with QueryCounter(db.engine) as counter:
        page = client.get(f"/requests/{people.request.id}").get_data(as_text=True)
    assert page.count(">Book<") == 6
    assert len([s for s in counter.statements if "FROM ask_slots" in s]) == 1
