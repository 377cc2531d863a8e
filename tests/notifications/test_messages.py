"""Every message: both parts on the shared layout, links that work, the recipient's time zone,
the program's name, the settings link, and no header injection through names."""

from __future__ import annotations

import datetime as dt
import email
import re
from email.policy import SMTP

import pytest
import sqlalchemy as sa

from portal.asks import asks, completion, placing
from portal.auth import service as auth_service
from portal.benefits.claims import approve_claim, cancel_claim
from portal.benefits.models import Claim
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.service import clean_header, queue_email, render_message
from portal.notifications.settings import SECURITY_TEMPLATES, save_settings
from portal.notifications.transports import build_email
from tests.factories import (
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

BASE = "http://portal.test"
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture
def app(app_factory):
    return app_factory(BASE_URL=BASE, MAIL_FROM="Reference Team <refs@portal.test>")


def as_mime(row: OutboxMessage, mail_from: str = "Reference Team <refs@portal.test>"):
    """The MIME message the sender delivers for an outbox row, parsed back as a mail app would."""
    mail = build_email(row, mail_from)
    return email.message_from_bytes(mail.as_bytes(policy=SMTP), policy=SMTP)


def rows(template=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def links_in(text: str) -> list[str]:
    return [link.rstrip(".,)") for link in LINK.findall(text)]


def assert_on_layout(row: OutboxMessage, program: str = "Customer Advocate Program"):
    mime = as_mime(row)
    plain = mime.get_body(("plain",)).get_content()
    html = mime.get_body(("html",)).get_content()
    for part in (plain, html):
        assert program in part
        assert f"{BASE}/notifications/settings" in part
    assert "Change which e-mails you get" in plain and "Change which e-mails you get" in html
    return plain, html


def path(link: str) -> str:
    assert link.startswith(BASE)
    return link[len(BASE) :] or "/"


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", email="mgr@example.com", timezone="America/New_York")


@pytest.fixture
def requester(db):
    return UserFactory(
        role="requester", team="sales", email="rep@example.com", timezone="Asia/Tokyo"
    )


def test_both_parts_carry_the_same_link_even_when_signing_takes_a_second(
    db, manager, requester, monkeypatch
):
    """A signature holds the second it was made: each part signed on its own gave the plain
    and HTML parts different URLs whenever sending crossed a second (seen in CI under load)."""
    from portal.auth import links

    made = iter(range(1000))
    real = links.sign_link
    # Every call is "a second later": a different token each time, as the clock would give.
    monkeypatch.setattr(links, "sign_link", lambda row: f"{real(row)}x{next(made)}")
    advocate, _ = advocate_with_login()
    request = ReferenceRequestFactory(requester=requester)
    placing.place_ask(manager, request, advocate)
    db.session.commit()
    [row] = rows("ask_placed")
    mime = as_mime(row)
    plain = mime.get_body(("plain",)).get_content()
    html = mime.get_body(("html",)).get_content()
    answers = [link for link in links_in(plain) if "/answer/" in link]
    assert len(answers) == 2
    assert all(link in html for link in answers)


def test_ask_placed_has_both_parts_the_answer_links_and_the_advocates_zone(
    db, client, manager, requester
):
    advocate, _ = advocate_with_login(timezone="Europe/Berlin")
    request = ReferenceRequestFactory(requester=requester, prospect_company="Globex")
    respond_by = dt.datetime(2030, 1, 15, 16, 30, tzinfo=dt.UTC)
    placing.place_ask(
        manager, request, advocate, respond_by=respond_by, at=respond_by.replace(day=10)
    )
    db.session.commit()
    [row] = rows("ask_placed")
    plain, html = assert_on_layout(row)
    # 16:30 UTC is 17:30 in Berlin in winter, and the zone is named.
    assert "Tuesday 15 January 2030, 17:30 CET (Europe/Berlin)" in plain
    assert "17:30 CET (Europe/Berlin)" in html
    accept = next(link for link in links_in(plain) if "/answer/accept/" in link)
    decline = next(link for link in links_in(plain) if "/answer/decline/" in link)
    assert accept in html and decline in html
    assert client.get(path(accept)).status_code == 200
    assert client.get(path(decline)).status_code == 200


def test_answer_and_fulfilled_messages_reach_the_requester_in_their_zone(
    db, client, auth, manager, requester
):
    advocate, user = advocate_with_login()
    request = ReferenceRequestFactory(requester=requester, advocates_needed=1)
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True, proposed_times="Mornings")
    db.session.commit()
    [answered] = rows("ask_answered")
    [fulfilled] = rows("request_fulfilled")
    assert answered.recipient == fulfilled.recipient == "rep@example.com"
    plain, html = assert_on_layout(answered)
    assert "accepted" in plain and "Mornings" in html
    fulfilled_plain, fulfilled_html = assert_on_layout(fulfilled)
    assert advocate.name in fulfilled_plain and advocate.name in fulfilled_html
    assert auth.login("rep@example.com").status_code == 302
    for row in (answered, fulfilled):
        for link in links_in(row.body_text):
            assert client.get(path(link), follow_redirects=True).status_code == 200, link


def test_schedule_message_shows_each_attendee_their_own_zone(db, manager, requester):
    advocate, user = advocate_with_login(timezone="Europe/Berlin")
    ask = AskFactory(advocate=advocate, request=ReferenceRequestFactory(requester=requester))
    ask.status = "accepted"
    when = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)
    completion.schedule_ask(manager, ask, when)
    db.session.commit()
    by_recipient = {row.recipient: row for row in rows("ask_scheduled")}
    berlin, _ = assert_on_layout(by_recipient[advocate.email])
    tokyo, _ = assert_on_layout(by_recipient["rep@example.com"])
    assert "Monday 01 July 2030, 10:00 CEST (Europe/Berlin)" in berlin
    assert "Monday 01 July 2030, 17:00 JST (Asia/Tokyo)" in tokyo
    assert "10:00 CEST" in by_recipient[advocate.email].subject


def test_claim_decision_and_waitlist_promotion_messages(db, client, auth, manager):
    advocate, user = advocate_with_login()
    benefit = BenefitFactory(
        kind="training", capacity=1, requires_approval=True, event_date=dt.date(2030, 3, 4)
    )
    first = Claim(benefit=benefit, advocate=advocate, status="requested", details={})
    db.session.add(first)
    db.session.flush()
    approve_claim(manager, first)
    db.session.commit()
    [decided] = rows("claim_decided")
    plain, html = assert_on_layout(decided)
    assert "approved" in plain and "04 March 2030" in plain and "04 March 2030" in html
    assert auth.login(user.email).status_code == 302
    assert client.get(path(f"{BASE}/benefits/claims")).status_code == 200

    other, _ = advocate_with_login()
    waiting = Claim(benefit=benefit, advocate=other, status="waitlisted", details={})
    db.session.add(waiting)
    db.session.flush()
    cancel_claim(manager, first)
    db.session.commit()
    [promoted] = rows("claim_promoted")
    assert promoted.recipient == other.email
    assert_on_layout(promoted)


def test_password_reset_and_invitation_go_by_email_whatever_the_user_chose(db, client):
    user = UserFactory(role="requester", team="sales", email="rep@example.com")
    save_settings(user, dict.fromkeys(("ask_answered", "request_fulfilled"), "in_app"))
    auth_service.request_password_reset("rep@example.com")
    admin = UserFactory(role="admin")
    auth_service.create_user(admin, email="new@example.com", role="requester", team="pr")
    db.session.commit()
    [reset] = rows("password_reset")
    [invitation] = rows("invitation")
    for row in (reset, invitation):
        plain, html = assert_on_layout(row)
        [link] = [link for link in links_in(plain) if "/auth/" in link]
        assert link in html
        assert client.get(path(link)).status_code == 200
    assert {"password_reset", "invitation"} <= SECURITY_TEMPLATES


@pytest.mark.parametrize(
    "template",
    ["ask_withdrawn", "advocate_left", "ask_cancelled", "claim_points_expiring"],
)
def test_the_other_messages_render_both_parts_on_the_layout(db, template, requester):
    advocate, _ = advocate_with_login()
    ask = AskFactory(advocate=advocate, request=ReferenceRequestFactory(requester=requester))
    ask.scheduled_at = dt.datetime(2030, 1, 2, 12, 0, tzinfo=dt.UTC)
    context = {
        "ask": ask,
        "request": ask.request,
        "advocate": advocate,
        "reason": "The deal closed.",
        "link": f"{BASE}/home",
        "points": 40,
        "on": dt.date(2030, 2, 1),
        "person": None,
    }
    message = queue_email(template, advocate.email, "Subject", **context)
    assert message in db.session
    plain, html = assert_on_layout(message)
    assert advocate.name in plain or "40" in plain


def test_every_template_has_both_parts_and_uses_the_layout(app):
    from pathlib import Path

    folder = Path(app.root_path).parent / "templates" / "notifications" / "email"
    names = {p.stem for p in folder.glob("*.txt")} | {p.stem for p in folder.glob("*.html")}
    for name in names - {"_layout"}:
        for suffix in ("txt", "html"):
            source = (folder / f"{name}.{suffix}").read_text()
            assert f'extends "notifications/email/_layout.{suffix}"' in source, (name, suffix)
            assert "|local_date" not in source and "|local_datetime" not in source, name


def test_names_cannot_inject_headers(db, manager, requester):
    advocate, user = advocate_with_login(name="Eve\r\nBcc: victim@example.com")
    request = ReferenceRequestFactory(requester=requester)
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=False, reason="too_busy")
    db.session.commit()
    [row] = rows("ask_answered")
    assert "\r" not in row.subject and "\n" not in row.subject
    mime = as_mime(row)
    assert mime["Bcc"] is None
    assert mime["Subject"].startswith("Eve Bcc: victim@example.com declined")
    assert clean_header("a\r\nb\x00c\u2028d") == "a b c d"


def test_program_name_comes_from_the_program_settings(db, requester):
    from portal.program.service import set_setting

    admin = UserFactory(role="admin")
    set_setting(admin, "program_name", "Globex Champions")
    text, html = render_message(
        "password_reset", requester.email, requester, user=requester, link=BASE, hours=2
    )
    assert "Globex Champions" in text and "Globex Champions" in html
