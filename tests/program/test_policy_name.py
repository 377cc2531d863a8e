"""One program name everywhere: pages, e-mails and calendar invites show the program's setting
(the configured PROGRAM_NAME until one is set), read at most once per request; e-mails come from
the sender name with the configured address."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import sqlalchemy as sa
from flask import render_template_string

from portal.asks import completion
from portal.extensions import db as _db
from portal.notifications import calendar
from portal.notifications.models import OutboxMessage
from portal.notifications.transports import deliver_email
from portal.program import policy
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory, advocate_with_login
from tests.helpers import sign_in

WHEN = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)
NAME = "Globex Champions"


@pytest.fixture
def app(app_factory):
    return app_factory(MAIL_FROM="Advocate Portal <refs@portal.example.com>")


def scheduled(db):
    """An accepted ask, scheduled: its invitations (with the ICS) are in the outbox."""
    manager = UserFactory(role="manager")
    advocate, user = advocate_with_login(name="Ada Lovelace")
    request = ReferenceRequestFactory(prospect_company="Initech")
    ask = AskFactory(advocate=advocate, request=request, status="accepted")
    completion.schedule_ask(manager, ask, WHEN)
    db.session.commit()
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "ask_scheduled")
    ).all()
    return ask, user, rows


def test_a_fresh_install_shows_one_name_on_pages_and_in_e_mails(db, client, auth):
    sign_in(db, auth, role="admin")
    page = client.get("/home").get_data(as_text=True)
    assert "Customer Advocate Program" in page and "Advocate Portal" not in page
    _, _, rows = scheduled(db)
    assert rows and all("Customer Advocate Program" in row.body_text for row in rows)


def test_the_programs_name_is_on_pages_e_mails_and_calendar_invites(db, client, auth):
    policy.update_policy(UserFactory(role="admin"), {"program_name": NAME})
    db.session.commit()
    sign_in(db, auth, role="requester")
    page = client.get("/home").get_data(as_text=True)
    assert f"· {NAME}</title>" in page
    assert f'">{NAME}</a>' in page  # the navigation bar
    assert "Customer Advocate Program" not in page

    ask, user, rows = scheduled(db)
    assert len(rows) == 2
    for row in rows:
        assert NAME in row.body_text and "Customer Advocate Program" not in row.body_text
        invite = icalendar.Calendar.from_ical(row.attachments[0]["content"])
        [event] = invite.walk("VEVENT")
        assert f"arranged through {NAME}" in str(event["DESCRIPTION"])
    feed = icalendar.Calendar.from_ical(calendar.feed_ics(user))
    assert str(feed["X-WR-CALNAME"]) == f"{NAME}: {user.name}"


def test_e_mails_come_from_the_sender_name_with_the_configured_address(db, capsys):
    _, _, rows = scheduled(db)
    deliver_email(rows[0])  # no SMTP host: printed
    assert "From: Advocate Portal <refs@portal.example.com>" in capsys.readouterr().out
    policy.update_policy(UserFactory(role="admin"), {"sender_name": "Globex References"})
    db.session.commit()
    deliver_email(rows[0])
    assert "From: Globex References <refs@portal.example.com>" in capsys.readouterr().out
    organizer = calendar._organizer()
    assert organizer.params["CN"] == "Globex References"
    assert str(organizer) == "mailto:refs@portal.example.com"


def test_the_name_costs_at_most_one_query_per_request(app, db):
    # Unset, so the session can't answer from its identity map: only the request's copy can.
    reads = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "program_settings" in statement and "program_name" in str(parameters):
            reads.append(statement)

    with app.test_request_context("/"):
        sa.event.listen(_db.engine, "before_cursor_execute", record)
        try:
            pages = [render_template_string("{{ program_name }}") for _ in range(3)]
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", record)
    assert pages == ["Customer Advocate Program"] * 3
    assert len(reads) <= 1
