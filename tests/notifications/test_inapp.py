"""In-app notifications, the unread badge, per-user settings, and the weekly digest."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.asks import asks, placing
from portal.notifications import digest, inapp
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.service import notify_in_app
from portal.notifications.settings import save_settings, settings_of
from tests.conftest import is_postgres
from tests.factories import ReferenceRequestFactory, UserFactory, advocate_with_login
from tests.queries import BoundValues, QueryCounter


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def requester(db):
    return UserFactory(role="requester", team="sales", email="rep@example.com")


def answered(manager, requester, accept=True, **kwargs):
    advocate, user = advocate_with_login(**kwargs)
    request = ReferenceRequestFactory(requester=requester, advocates_needed=3)
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=accept, reason=None if accept else "timing")
    return ask


def outbox(db, template=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return db.session.scalars(query).all()


def notes(db, user):
    return db.session.scalars(inapp.notifications_query(user)).all()


def test_every_message_to_a_user_is_also_an_in_app_notification(db, manager, requester):
    ask = answered(manager, requester)
    db.session.commit()
    [note] = notes(db, requester)
    assert note.event_type == "ask_answered" and note.read_at is None
    assert note.link == f"/requests/{ask.request_id}"
    [placed] = notes(db, ask.advocate.user)
    assert placed.event_type == "ask_placed" and placed.link == f"/me/asks/{ask.id}"
    assert len(outbox(db, "ask_answered")) == 1


def test_in_app_only_writes_no_email(db, manager, requester):
    save_settings(requester, {"ask_answered": "in_app"})
    answered(manager, requester)
    db.session.commit()
    assert outbox(db, "ask_answered") == []
    assert [n.event_type for n in notes(db, requester)] == ["ask_answered"]
    assert settings_of(requester)["ask_answered"] == "in_app"


def test_digest_is_collected_and_sent_once_per_week(db, manager, requester):
    save_settings(requester, {"ask_answered": "digest"})
    answered(manager, requester)
    answered(manager, requester, accept=False)
    db.session.commit()
    assert outbox(db, "ask_answered") == []
    today = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    monday = today + dt.timedelta(days=7 - today.weekday())  # next Monday, 09:00 UTC
    assert digest.send_digests(monday) == 1
    db.session.commit()
    [mail] = outbox(db, "digest")
    assert mail.recipient == "rep@example.com"
    assert mail.dedupe_key == digest.digest_key(requester.id, monday)
    assert "2 updates" in mail.body_text and "accepted" in mail.body_text
    assert "declined" in mail.body_html and "/notifications/settings" in mail.body_text

    # Run again the same week: nothing more, even with a new item (it waits for next week).
    answered(manager, requester)
    db.session.commit()
    assert digest.send_digests(monday + dt.timedelta(minutes=5)) == 0
    next_week = monday + dt.timedelta(days=7)
    assert digest.send_digests(next_week) == 1
    assert digest.send_digests(next_week + dt.timedelta(hours=1)) == 0
    db.session.commit()
    assert len(outbox(db, "digest")) == 2
    assert "1 update " in outbox(db, "digest")[1].body_text.replace("\n", " ")


LATE_SUNDAY = dt.datetime(2030, 1, 6, 23, 30, tzinfo=dt.UTC)


def _digest_items(db, users: int) -> None:
    """`users` times: a requester (in Tokyo) and an advocate (in New York) with two pending
    digest items each, and a deactivated user with one."""
    for _ in range(users):
        requester = UserFactory(role="requester", timezone="Asia/Tokyo")
        _, advocate = advocate_with_login(timezone="America/New_York")
        gone = UserFactory(role="requester", active=False)
        for user in (requester, advocate, requester, advocate, gone):
            note = notify_in_app(user, "ask_answered", "An answer", "/r/1", digest=True)
            note.created_at = LATE_SUNDAY
    db.session.commit()


def test_digests_run_the_same_number_of_queries_for_few_and_many_users(db):
    monday = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)

    def run(users: int) -> QueryCounter:
        _digest_items(db, users)
        with QueryCounter(db.engine) as queries:
            assert digest.send_digests(monday) == 2 * users
            db.session.flush()
        db.session.commit()
        return queries

    few, many = run(1), run(6)
    assert len(many.reads) == len(few.reads)
    if is_postgres():  # and the inserts: one statement per table (see tests.queries)
        assert many.count == few.count
    mails = outbox(db, "digest")
    assert len(mails) == 14 and all("2 updates" in m.body_text for m in mails)
    # Each on the day it was in their zone: Monday in Tokyo, still Sunday in New York.
    assert sum("07 January 2030: An answer" in m.body_text for m in mails) == 7
    assert sum("06 January 2030: An answer" in m.body_text for m in mails) == 7
    pending = sa.select(sa.func.count()).where(Notification.digest == "pending")
    assert db.session.scalar(pending) == 0  # the deactivated users' items too
    assert digest.send_digests(monday) == 0


def test_a_digest_to_thousands_binds_no_list_of_them_whole(db):
    """PostgreSQL refuses a statement with more than 65,535 bound values: the week's digest of a
    large program reads its users and marks their items in slices. Here 1,500 users with two
    items each: every one gets a digest, and no statement binds more than a thousand values."""
    from portal.auth.models import User

    monday = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
    db.session.execute(
        sa.insert(User),
        [
            {"email": f"reader{n}@example.com", "name": f"Reader {n}", "role": "requester"}
            for n in range(1_500)
        ],
    )
    ids = db.session.scalars(sa.select(User.id).where(User.email.like("reader%"))).all()
    db.session.execute(
        sa.insert(Notification),
        [
            {
                "user_id": user_id,
                "event_type": "ask_answered",
                "title": "An answer",
                "link": "/r/1",
                "digest": "pending",
                "created_at": LATE_SUNDAY,
            }
            for user_id in ids
            for _ in range(2)
        ],
    )
    db.session.commit()
    with BoundValues(db.engine) as bound:
        assert digest.send_digests(monday) == 1_500
        db.session.commit()
    assert bound.widest <= 1_010  # a thousand ids, and the statement's own few values
    pending = sa.select(sa.func.count()).where(Notification.digest == "pending")
    assert db.session.scalar(pending) == 0


def test_send_digests_command(runner, db, manager, requester):
    save_settings(requester, {"ask_answered": "digest"})
    answered(manager, requester)
    db.session.commit()
    assert "Wrote 1 digest." in runner.invoke(args=["send-digests"]).output
    assert "Wrote 0 digests." in runner.invoke(args=["send-digests"]).output


def test_settings_page_saves_choices_and_refuses_unknown_ones(client, auth, db, requester):
    db.session.commit()
    auth.login("rep@example.com")
    page = client.get("/notifications/settings")
    assert page.status_code == 200
    assert "An advocate answers your request" in page.get_data(as_text=True)
    assert "Someone asks for your help" not in page.get_data(as_text=True)  # advocates only
    choices = {**dict.fromkeys(settings_of(requester), "email"), "timezone": "UTC"}
    response = client.post("/notifications/settings", data={**choices, "ask_answered": "digest"})
    assert response.status_code == 302
    db.session.expire_all()
    assert settings_of(requester)["ask_answered"] == "digest"
    bad = client.post("/notifications/settings", data={**choices, "ask_answered": "pigeon"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert settings_of(requester)["ask_answered"] == "digest"


def test_advocates_have_settings_too(client, auth, db):
    _, user = advocate_with_login()
    db.session.commit()
    auth.login(user.email)
    body = client.get("/notifications/settings").get_data(as_text=True)
    assert "Someone asks for your help" in body
    assert "Notifications" in client.get("/me/").get_data(as_text=True)


def unread_badge(body: str) -> int:
    found = re.search(r'id="unread-count">(\d+)<', body)
    return int(found.group(1)) if found else 0


def test_unread_badge_counts_and_marking_read(client, auth, db, manager, requester):
    answered(manager, requester)
    answered(manager, requester, accept=False)
    answered(manager, requester)
    db.session.commit()
    auth.login("rep@example.com")
    assert unread_badge(client.get("/notifications/").get_data(as_text=True)) == 3
    first = notes(db, requester)[0]
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.location == first.link
    assert unread_badge(client.get("/requests/").get_data(as_text=True)) == 2
    unread = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert unread.count("Mark read") == 2
    assert client.post("/notifications/read-all").status_code == 302
    assert unread_badge(client.get("/notifications/").get_data(as_text=True)) == 0
    db.session.expire_all()
    assert all(n.read_at for n in notes(db, requester))


def test_nobody_marks_another_users_notification(client, auth, db, manager, requester):
    answered(manager, requester)
    other = UserFactory(role="requester", team="pr")
    db.session.commit()
    [note] = notes(db, requester)
    auth.login(other.email)
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert client.post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_staff_choose_their_time_zone_on_the_settings_page(client, auth, db, requester):
    db.session.commit()
    auth.login("rep@example.com")
    choices = dict.fromkeys(settings_of(requester), "email")
    bad = client.post("/notifications/settings", data={**choices, "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "Use a time zone name" in bad.get_data(as_text=True)
    good = client.post("/notifications/settings", data={**choices, "timezone": "Asia/Tokyo"})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(requester), requester.id).timezone == "Asia/Tokyo"
