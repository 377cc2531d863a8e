"""Calendar invitations for scheduled asks (REQUEST, updates, CANCEL) and private feeds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from portal.asks import asks, completion, requests
from portal.notifications import calendar
from portal.notifications.models import OutboxMessage
from portal.notifications.settings import save_settings
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory, advocate_with_login
from tests.notifications.test_messages import as_mime

BASE = "https://portal.example.com"
WHEN = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(app_factory):
    return app_factory(BASE_URL=BASE, MAIL_FROM="Reference Team <refs@portal.example.com>")


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", email="mgr@example.com")


@pytest.fixture
def people(db):
    requester = UserFactory(role="requester", team="sales", email="rep@example.com")
    advocate, user = advocate_with_login(timezone="Europe/Berlin", name="Ada Lovelace")
    request = ReferenceRequestFactory(
        requester=requester, activity_type="reference_call", prospect_company="Globex"
    )
    ask = AskFactory(advocate=advocate, request=request, status="accepted")
    return {"requester": requester, "advocate": advocate, "user": user, "ask": ask}


def invites(db, recipient=None):
    """The messages about a scheduled activity: invitations, and the withdrawal notices and
    cancellations that carry the calendar's CANCEL."""
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.template.in_(
                ("ask_scheduled", "ask_cancelled", "ask_withdrawn", "advocate_left")
            )
        )
        .order_by(OutboxMessage.id)
    )
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return db.session.scalars(query).all()


def parsed(row) -> tuple[icalendar.Calendar, icalendar.Event]:
    """The ICS as the recipient's mail app sees it: from the MIME message, parsed back."""
    mime = as_mime(row)
    [part] = [p for p in mime.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    ics = icalendar.Calendar.from_ical(part.get_content())
    [event] = ics.walk("VEVENT")
    return ics, event


def test_scheduling_sends_both_attendees_a_request_in_the_advocates_zone(db, manager, people):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    db.session.commit()
    rows = invites(db)
    assert {r.recipient for r in rows} == {people["advocate"].email, "rep@example.com"}
    for row in rows:
        assert row.attachments[0]["content_type"] == "text/calendar; method=REQUEST"
        ics, event = parsed(row)
        assert str(ics["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"ask-{ask.id}@portal.example.com"
        assert int(event["SEQUENCE"]) == 0
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert start == WHEN and end - start == dt.timedelta(hours=1)
        assert str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
        assert start.astimezone(ZoneInfo("Europe/Berlin")).hour == 10
        assert ics.walk("VTIMEZONE"), "the zone travels with the invitation"
        assert str(event["ORGANIZER"]) == "mailto:refs@portal.example.com"
        assert event["ORGANIZER"].params["CN"] == "Reference Team"
        attendees = {str(a) for a in event["ATTENDEE"]}
        assert attendees == {f"mailto:{people['advocate'].email}", "mailto:rep@example.com"}
        assert "Ada Lovelace" in str(event["SUMMARY"]) and "Globex" in str(event["SUMMARY"])


def test_reschedule_keeps_the_uid_and_raises_the_sequence_and_withdrawal_cancels(
    db, manager, people
):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    completion.reschedule_ask(manager, ask, WHEN + dt.timedelta(days=1, hours=2))
    asks.withdraw_ask(manager, ask, "The prospect postponed.")
    db.session.commit()
    first, moved, cancelled = invites(db, people["advocate"].email)
    _, a = parsed(first)
    ics_b, b = parsed(moved)
    ics_c, c = parsed(cancelled)
    assert str(a["UID"]) == str(b["UID"]) == str(c["UID"])
    assert [int(e["SEQUENCE"]) for e in (a, b, c)] == [0, 1, 2]
    assert b["DTSTART"].dt == WHEN + dt.timedelta(days=1, hours=2)
    assert moved.subject.startswith("Moved:")
    assert str(ics_c["METHOD"]) == "CANCEL" and str(c["STATUS"]) == "CANCELLED"
    assert cancelled.attachments[0]["content_type"] == "text/calendar; method=CANCEL"
    # The advocate's one message about it: the withdrawal notice, carrying the cancellation.
    assert cancelled.template == "ask_withdrawn"
    assert "The prospect postponed." in cancelled.body_text
    assert "the attached cancellation removes it from your calendar" in cancelled.body_text
    rep = invites(db, "rep@example.com")
    assert [r.template for r in rep] == ["ask_scheduled", "ask_scheduled", "ask_cancelled"]
    assert int(parsed(rep[-1])[1]["SEQUENCE"]) == 2


def test_cancelling_the_request_cancels_its_scheduled_activity(db, manager, people):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    requests.cancel_request(people["requester"], ask.request, "Deal lost.")
    db.session.commit()
    scheduled, withdrawn = invites(db, people["advocate"].email)
    assert (scheduled.template, withdrawn.template) == ("ask_scheduled", "ask_withdrawn")
    assert str(parsed(withdrawn)[0]["METHOD"]) == "CANCEL"
    assert "Deal lost." in withdrawn.body_text


def test_an_advocate_who_leaves_cancels_in_one_message_to_each_attendee(db, manager, people):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    asks.withdraw_for_leaving(people["user"], ask)
    db.session.commit()
    [_, left] = invites(db, "rep@example.com")
    [_, cancelled] = invites(db, people["advocate"].email)
    assert (left.template, cancelled.template) == ("advocate_left", "ask_cancelled")
    for row in (left, cancelled):
        assert str(parsed(row)[0]["METHOD"]) == "CANCEL"
    assert "the attached cancellation removes it from your calendar" in left.body_text


def test_who_reads_withdrawals_in_the_portal_still_gets_the_cancellation(db, manager, people):
    save_settings(people["user"], {"ask_withdrawn": "in_app"})
    completion.schedule_ask(manager, people["ask"], WHEN)
    asks.withdraw_ask(manager, people["ask"], "The prospect postponed.")
    db.session.commit()
    [_, cancelled] = invites(db, people["advocate"].email)
    assert cancelled.template == "ask_cancelled"
    assert str(parsed(cancelled)[0]["METHOD"]) == "CANCEL"


def test_unscheduled_withdrawal_sends_no_cancellation(db, manager, people):
    asks.withdraw_ask(manager, people["ask"])
    db.session.commit()
    [notice] = invites(db)
    assert notice.template == "ask_withdrawn" and notice.attachments is None
    assert "calendar" not in notice.body_text


def test_calendar_invitations_honour_in_app_only(db, manager, people):
    save_settings(people["requester"], {"ask_scheduled": "in_app"})
    completion.schedule_ask(manager, people["ask"], WHEN)
    db.session.commit()
    assert [r.recipient for r in invites(db)] == [people["advocate"].email]


def test_feed_works_without_a_session_and_dies_when_regenerated(app, db, manager, people):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    other = AskFactory(status="accepted", scheduled_at=WHEN + dt.timedelta(days=2))
    token = calendar.regenerate_feed(people["user"])
    db.session.commit()
    anonymous = app.test_client()
    response = anonymous.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    feed = icalendar.Calendar.from_ical(response.data)
    events = feed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [calendar.ask_uid(ask)]
    assert events[0]["DTSTART"].dt == WHEN
    assert calendar.ask_uid(other) not in response.get_data(as_text=True)

    new = calendar.regenerate_feed(people["user"])
    db.session.commit()
    assert new != token
    assert anonymous.get(f"/calendar/feed/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/feed/{new}.ics").status_code == 200
    calendar.revoke_feed(people["user"])
    db.session.commit()
    assert anonymous.get(f"/calendar/feed/{new}.ics").status_code == 404
    assert anonymous.get(f"/calendar/feed/{people['user'].id}-forged.ics").status_code == 404


def test_feed_lists_what_each_role_takes_part_in(db, manager, people):
    ask = people["ask"]
    completion.schedule_ask(manager, ask, WHEN)
    other = AskFactory(status="accepted", scheduled_at=WHEN + dt.timedelta(days=2))
    db.session.commit()
    assert calendar.feed_asks(people["requester"], WHEN) == [ask]
    assert calendar.feed_asks(people["user"], WHEN) == [ask]
    assert calendar.feed_asks(manager, WHEN) == [ask, other]


def test_feed_page_shows_copies_and_regenerates_the_address(client, auth, db, people):
    db.session.commit()
    auth.login(people["requester"].email)
    page = client.get("/notifications/calendar")
    assert page.status_code == 200 and "Create my calendar feed" in page.get_data(as_text=True)
    assert client.post("/notifications/calendar/regenerate").status_code == 302
    body = client.get("/notifications/calendar").get_data(as_text=True)
    token = calendar.feed_token(db.session.get(type(people["requester"]), people["requester"].id))
    assert f"{BASE}/calendar/feed/{token}.ics" in body and "data-copy" in body
    assert client.post("/notifications/calendar/revoke").status_code == 302
    assert "Create my calendar feed" in client.get("/notifications/calendar").get_data(as_text=True)
