"""Scheduling without e-mail ping-pong, in a real browser: the advocate accepts offering two
times in their own zone, the requester sees them in theirs and books one, and both attendees
have the calendar invitation (issue 22)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks.models import Ask
from portal.asks.slot_models import AskSlot
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory, advocate_with_login

pytestmark = pytest.mark.browser

ADVOCATE = "ada@bank.example"
REQUESTER = "sam@seller.example"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def local(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BERLIN)


def shown(when: dt.datetime, zone: ZoneInfo) -> str:
    here = when.astimezone(zone)
    return f"{here:%a %d %b %Y, %H:%M} {here.tzname()}"


@pytest.fixture
def pending_ask(live_app, baseline):
    """A requester in New York, an advocate in Berlin, and an ask waiting for the answer."""
    with live_app.app_context():
        requester = UserFactory(
            role="requester",
            team="sales",
            email=REQUESTER,
            name="Sam Seller",
            timezone="America/New_York",
        )
        advocate, _ = advocate_with_login(
            email=ADVOCATE, name="Ada Lovelace", timezone="Europe/Berlin"
        )
        request = ReferenceRequestFactory(requester=requester, prospect_company="Globex")
        ask = AskFactory(request=request, advocate=advocate, status="pending")
        db.session.commit()
        ids = {"ask": ask.id, "request": request.id}
        db.session.remove()
    yield ids
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def check_phone_width(page, findings: list[str], name: str, screenshot) -> None:
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(100)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways ({width}px)"
    findings += serious_violations(page)
    screenshot(name)
    page.set_viewport_size(DESKTOP)


def test_advocate_offers_two_times_and_the_requester_books_one(
    page, live_app, pending_ask, screenshot
):
    findings: list[str] = []
    first, second = local(3, 10), local(4, 16, 30)
    page.set_viewport_size(DESKTOP)

    # The advocate answers yes and offers two times, in Berlin time.
    sign_in(page, ADVOCATE, PASSWORD)
    page.goto(f"/me/asks/{pending_ask['ask']}")
    expect(page.get_by_text("Up to three, in your time zone (Europe/Berlin)")).to_be_visible()
    page.get_by_label("First time").fill(first.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Second time").fill(second.strftime("%Y-%m-%dT%H:%M"))
    findings += serious_violations(page)
    screenshot("slots-accept-form")
    check_phone_width(page, findings, "slots-accept-form-375", screenshot)
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Your times went to Sam Seller, who picks one.")).to_be_visible()

    page.goto(f"/me/asks/{pending_ask['ask']}")
    offered = page.locator("#slots")
    expect(offered).to_contain_text("You offered")
    expect(offered).to_contain_text(shown(first, BERLIN))
    findings += serious_violations(page)
    screenshot("slots-advocate-offered")
    check_phone_width(page, findings, "slots-advocate-offered-375", screenshot)

    # The requester sees the times in New York time and books the second.
    page.context.clear_cookies()
    sign_in(page, REQUESTER, PASSWORD)
    page.goto(f"/requests/{pending_ask['request']}")
    book = page.get_by_role("button", name=f"Book {shown(second, NEW_YORK)}")
    expect(book).to_be_visible()
    expect(page.get_by_role("button", name=f"Book {shown(first, NEW_YORK)}")).to_be_visible()
    findings += serious_violations(page)
    screenshot("slots-request-page")
    check_phone_width(page, findings, "slots-request-page-375", screenshot)
    book.click()
    expect(
        page.get_by_text("Booked: you and Ada Lovelace each get a calendar invitation.")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        f"scheduled {second.astimezone(NEW_YORK):%d %b %Y, %H:%M}"
    )
    findings += serious_violations(page)
    screenshot("slots-booked")

    with live_app.app_context():
        ask = db.session.get(Ask, pending_ask["ask"])
        assert ask.status == "accepted"
        assert ask.scheduled_at == second.astimezone(dt.UTC)
        statuses = db.session.scalars(
            sa.select(AskSlot.status).where(AskSlot.ask_id == ask.id).order_by(AskSlot.starts_at)
        ).all()
        assert statuses == ["withdrawn", "picked"]
        invitations = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "ask_scheduled")
        ).all()
        assert sorted(m.recipient for m in invitations) == sorted([ADVOCATE, REQUESTER])
        for message in invitations:
            [ics] = message.attachments
            assert ics["content_type"] == "text/calendar; method=REQUEST"
            assert f"UID:ask-{ask.id}@" in ics["content"]
        db.session.remove()
    assert findings == []
