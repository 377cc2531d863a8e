"""Ask reminders: written once per ask and day however often `send-reminders` runs, with the
clock moved (freezegun), and only within the reminder window."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.asks.reminders import remind_pending_asks
from portal.notifications.models import Notification, NotificationSetting, OutboxMessage
from portal.notifications.reminders import REMINDERS, run_reminders
from tests.conftest import is_postgres
from tests.factories import AskFactory, advocate_with_login
from tests.helpers import delivered_text
from tests.queries import QueryCounter

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def reminders(db, ask=None):
    query = sa.select(OutboxMessage).where(OutboxMessage.template == "ask_reminder")
    if ask is not None:
        query = query.where(OutboxMessage.dedupe_key.like(f"ask-reminder:{ask.id}:%"))
    return db.session.scalars(query.order_by(OutboxMessage.id)).all()


@pytest.fixture
def pending_ask(db):
    with freeze_time(START):
        advocate, _ = advocate_with_login(name="Grace Hopper")
        ask = AskFactory(advocate=advocate, respond_by=START + dt.timedelta(hours=50))
        far = AskFactory(advocate=advocate, respond_by=START + dt.timedelta(days=9))
        answered = AskFactory(
            advocate=advocate, status="accepted", respond_by=START + dt.timedelta(hours=20)
        )
        db.session.commit()
    return ask, far, answered


def test_the_ask_reminder_is_registered():
    assert REMINDERS["asks.respond_by"] is remind_pending_asks


def test_reminders_are_idempotent_with_the_clock_moved(app, db, pending_ask):
    ask, far, answered = pending_ask
    with freeze_time(START) as clock:
        # 50 h before respond_by: outside the 2-day window.
        assert remind_pending_asks(START) == 0
        clock.tick(dt.timedelta(hours=3))  # 47 h left: inside
        now = START + dt.timedelta(hours=3)
        assert remind_pending_asks(now) == 1
        db.session.commit()
        for hours in (0, 1, 5):  # the same day, again and again
            clock.tick(dt.timedelta(hours=hours))
            assert remind_pending_asks(now + dt.timedelta(hours=hours)) == 0
            db.session.commit()
        assert len(reminders(db, ask)) == 1

        next_day = START + dt.timedelta(days=1, hours=3)  # 23 h left, a new day
        clock.move_to(next_day)
        assert remind_pending_asks(next_day) == 1
        assert remind_pending_asks(next_day) == 0
        db.session.commit()

        past = START + dt.timedelta(days=3)  # respond_by passed: no more reminders
        clock.move_to(past)
        assert remind_pending_asks(past) == 0
    rows = reminders(db, ask)
    assert [r.dedupe_key for r in rows] == [
        f"ask-reminder:{ask.id}:2026-12-01",
        f"ask-reminder:{ask.id}:2026-12-02",
    ]
    assert reminders(db, far) == [] and reminders(db, answered) == []


def test_the_reminder_mail_has_answer_links_in_the_advocates_zone(app, client, db, pending_ask):
    ask, _, _ = pending_ask
    now = START + dt.timedelta(hours=20)
    with freeze_time(now):
        assert remind_pending_asks(now) == 1
        db.session.commit()
        [message] = reminders(db, ask)
    assert message.recipient == ask.advocate.email
    assert message.subject == "Reminder: could you help with a reference call?"
    # respond_by 2026-12-03 11:00 UTC is 12:00 in Berlin, the advocate's zone.
    assert "03 December 2026, 12:00 CET (Europe/Berlin)" in message.body_text
    assert "Yes, I can help: http" in message.body_text
    assert "Yes, I can help</a>" in message.body_html
    with freeze_time(now + dt.timedelta(minutes=1)):  # delivered a minute later
        text = delivered_text(message)
    accept = next(
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Yes, I can help: ")
    )
    path = accept.split("://", 1)[1].split("/", 1)[1]
    with freeze_time(now + dt.timedelta(minutes=5)):
        response = client.get("/" + path)
    assert response.status_code == 200  # the one-click link opens the answer page


def test_advocates_who_read_reminders_in_the_portal_get_one_per_day(app, db, pending_ask):
    ask, _, _ = pending_ask
    user = ask.advocate.user
    db.session.add(
        NotificationSetting(user_id=user.id, event_type="ask_reminder", channel="in_app")
    )
    db.session.commit()
    now = START + dt.timedelta(hours=20)
    with freeze_time(now):
        assert remind_pending_asks(now) == 1
        db.session.commit()
        assert remind_pending_asks(now + dt.timedelta(hours=1)) == 0
        db.session.commit()
    assert reminders(db, ask) == []  # no e-mail: in-app only
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.event_type == "ask_reminder")
    ).all()
    assert len(notes) == 1


def test_send_reminders_command_runs_every_reminder_and_commits(app, runner, db, pending_ask):
    ask, _, _ = pending_ask
    now = START + dt.timedelta(hours=20)
    with freeze_time(now):
        first = runner.invoke(args=["send-reminders"])
        again = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "asks.respond_by: 1 reminder" in first.output
    assert "asks.respond_by: 0 reminders" in again.output
    db.session.expire_all()
    assert len(reminders(db, ask)) == 1
    with freeze_time(now):
        assert run_reminders(now)["asks.respond_by"] == 0


def test_a_second_run_racing_the_first_adds_nothing(app, runner, db, pending_ask, monkeypatch):
    """Two runs at the same moment both find no reminder yet; the unique key lets only the
    first commit, and the second says so instead of failing."""
    ask, _, _ = pending_ask
    now = START + dt.timedelta(hours=20)
    with freeze_time(now):
        assert remind_pending_asks(now) == 1
        db.session.commit()  # the first run
        monkeypatch.setattr("portal.asks.reminders.sent_keys", lambda keys: set())
        monkeypatch.setattr("portal.asks.reminders._reminded_in_app", lambda asks, now: set())
        result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Another send-reminders run wrote these reminders first" in result.output
    db.session.expire_all()
    assert len(reminders(db, ask)) == 1


def _due_asks(db, groups: int, respond_by: dt.datetime) -> int:
    """`groups` times: an advocate with a login, one without, and one who reads reminders in
    the portal only, each with a pending ask; returns how many reminders are due."""
    with freeze_time(respond_by - dt.timedelta(days=3)):
        for _ in range(groups):
            with_login, _ = advocate_with_login(timezone="Europe/Berlin")
            AskFactory(advocate=with_login, respond_by=respond_by)
            # No login: an e-mail with a link to the portal, in the advocate's own zone.
            AskFactory(respond_by=respond_by, advocate__timezone="America/New_York")
            in_app, user = advocate_with_login()
            db.session.add(
                NotificationSetting(user_id=user.id, event_type="ask_reminder", channel="in_app")
            )
            AskFactory(advocate=in_app, respond_by=respond_by)
        db.session.commit()
    return 3 * groups


def test_ask_reminders_run_the_same_number_of_queries_for_few_and_many_asks(app, db):
    def run(now: dt.datetime) -> tuple[int, QueryCounter]:
        with freeze_time(now), QueryCounter(db.engine) as queries:
            written = remind_pending_asks(now)
            db.session.flush()  # the inserts count too
        db.session.commit()
        return written, queries

    first, later = START, START + dt.timedelta(days=10)
    few = _due_asks(db, 1, first + dt.timedelta(hours=20))
    many = _due_asks(db, 6, later + dt.timedelta(hours=20))
    written_few, queries_few = run(first)
    written_many, queries_many = run(later)
    assert (written_few, written_many) == (few, many)
    assert len(queries_many.reads) == len(queries_few.reads)
    if is_postgres():  # and the inserts: one statement per table (see tests.queries)
        assert queries_many.count == queries_few.count
    # What was written is complete: e-mails with answer links, in-app reminders for the rest.
    mails = reminders(db)
    assert len(mails) == 2 * 7
    assert sum("Yes, I can help: http" in m.body_text for m in mails) == 7
    assert sum("CET (Europe/Berlin)" in m.body_text for m in mails) == 7
    assert sum("(America/New_York)" in m.body_text for m in mails) == 7
    in_app = db.session.scalars(
        sa.select(Notification).where(Notification.event_type == "ask_reminder")
    ).all()
    assert len(in_app) == 2 * 7  # those with a login: the e-mailed ones and the in-app only
    with freeze_time(later):
        assert remind_pending_asks(later) == 0  # once per ask and day, whatever the size
