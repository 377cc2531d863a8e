"""From the events of the product to a real SMTP server: every message the ask, claim and
account flows write is delivered with both parts, on the layout, with links that work, and a
scheduled activity's invitation arrives as a calendar attachment that parses back."""

from __future__ import annotations

import datetime as dt
import re

import icalendar

from portal.asks import asks, completion, placing
from portal.auth import service as auth_service
from portal.benefits.claims import approve_claim
from portal.benefits.models import Claim
from portal.extensions import db as _db
from portal.notifications.sender import send_due
from tests.factories import (
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

BASE = "http://portal.test"
LINK = re.compile(r"https?://[^\s\"<>]+")


def test_the_messages_of_a_whole_program_day_arrive_complete(mail_app, smtp):
    manager = UserFactory(role="manager", email="mgr@example.com")
    requester = UserFactory(role="requester", team="sales", email="rep@example.com")
    advocate, advocate_user = advocate_with_login(timezone="Europe/Berlin")
    request = ReferenceRequestFactory(requester=requester, advocates_needed=1)
    ask = placing.place_ask(manager, request, advocate)  # ask placed, with answer links
    asks.answer_ask(advocate_user, ask, accept=True)  # answer and request fulfilled
    when = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)
    completion.schedule_ask(manager, ask, when)  # calendar invitations to both
    benefit = BenefitFactory(kind="training", capacity=1, requires_approval=True)
    claim = Claim(benefit=benefit, advocate=advocate, status="requested", details={})
    _db.session.add(claim)
    _db.session.flush()
    approve_claim(manager, claim)  # claim decision
    auth_service.request_password_reset("rep@example.com")  # password reset
    _db.session.commit()

    counts = send_due()
    assert counts.failed == 0 and counts.retrying == 0
    mails = smtp.handler.parsed()
    assert len(mails) == counts.sent >= 6
    client = mail_app.test_client()
    calendars = []
    for mail in mails:
        plain = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        for part in (plain, html):
            assert f"{BASE}/notifications/settings" in part, mail["Subject"]
        for link in {link.rstrip(".,)") for link in LINK.findall(plain)}:
            assert link.startswith(BASE), link
            # A visitor is sent to sign in (302) or shown the page; never a broken link.
            assert client.get(link[len(BASE) :] or "/").status_code in (200, 302), link
        calendars += [
            part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"
        ]
    subjects = " | ".join(mail["Subject"] for mail in mails)
    assert "accepted" in subjects and "password" in subjects.lower()
    assert len(calendars) == 2  # the advocate and the requester
    for part in calendars:
        assert part.get_param("method") == "REQUEST"
        calendar = icalendar.Calendar.from_ical(part.get_content())
        [event] = calendar.walk("VEVENT")
        assert event.decoded("DTSTART").astimezone(dt.UTC) == when


def test_withdrawing_a_scheduled_ask_sends_the_advocate_one_mail_with_the_cancellation(
    mail_app, smtp
):
    manager = UserFactory(role="manager", email="mgr@example.com")
    requester = UserFactory(role="requester", team="sales", email="rep@example.com")
    advocate, advocate_user = advocate_with_login(timezone="Europe/Berlin")
    ask = placing.place_ask(manager, ReferenceRequestFactory(requester=requester), advocate)
    asks.answer_ask(advocate_user, ask, accept=True)
    completion.schedule_ask(manager, ask, dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC))
    _db.session.commit()
    assert send_due().failed == 0
    before = len(smtp.handler.messages)

    asks.withdraw_ask(manager, ask, "The prospect postponed.")
    _db.session.commit()
    counts = send_due()
    assert counts.failed == 0 and counts.retrying == 0
    mails = smtp.handler.parsed()[before:]
    to_advocate = [m for m in mails if advocate.email in m["To"]]
    [mail] = to_advocate  # the withdrawal notice, and nothing more
    assert mail["Subject"] == "No longer needed: reference call"
    assert "The prospect postponed." in mail.get_body(("plain",)).get_content()
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]).startswith(f"ask-{ask.id}@")
    # The requester, the other attendee, gets the cancellation once too.
    [to_requester] = [m for m in mails if "rep@example.com" in m["To"]]
    assert to_requester["Subject"].startswith("Cancelled: ")
    assert len(mails) == 2
