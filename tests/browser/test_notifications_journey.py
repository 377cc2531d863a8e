"""Notifications in a real browser: the unread badge, marking read, settings, the calendar feed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.inapp import unread_count
from portal.notifications.models import Notification
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser

EMAIL = "sales@demo.example"


def add_notifications(live_app, count: int) -> int:
    with live_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        for n in range(count):
            db.session.add(
                Notification(
                    user_id=user.id,
                    event_type="ask_answered",
                    title=f"Advocate {n} accepted your reference call request",
                    link="/requests/",
                )
            )
        db.session.commit()
        unread = unread_count(user)
        db.session.remove()
    return unread


def test_requester_reads_notifications_and_chooses_how_to_hear(
    page, live_app, demo_program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    unread = add_notifications(live_app, 3)
    sign_in(page, EMAIL)
    badge = page.locator("#unread-count")
    expect(badge).to_have_text(re.compile(rf"^{unread}"))

    page.get_by_role("link", name=re.compile("^Notifications")).first.click()
    expect(page.get_by_role("heading", name=re.compile("^Notifications"))).to_be_visible()
    assert serious_violations(page) == []
    screenshot("notifications-list")
    page.get_by_role("button", name="Advocate 2 accepted your reference call request").click()
    expect(page).to_have_url(re.compile(r"/requests/$"))
    expect(badge).to_have_text(re.compile(rf"^{unread - 1}"))

    page.goto("/notifications/")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("alert")).to_contain_text("notifications read")
    expect(page.locator("#unread-count")).to_have_count(0)

    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("radio", name="An advocate answers your request Weekly digest").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("saved")
    expect(
        page.get_by_role("radio", name="An advocate answers your request Weekly digest")
    ).to_be_checked()
    screenshot("notifications-settings")

    page.goto("/notifications/calendar")
    page.get_by_role("button", name="Create my calendar feed").click()
    expect(page.get_by_role("alert")).to_contain_text("calendar feed is ready")
    feed = page.get_by_label("Feed address")
    expect(feed).to_have_value(re.compile(r"/calendar/feed/\d+-[0-9a-f]+\.ics$"))
    assert serious_violations(page) == []
    screenshot("notifications-calendar-feed")
    feed_path = re.search(r"/calendar/feed/.+$", feed.input_value()).group(0)
    response = page.request.get(feed_path)  # no session needed: the token is the key
    assert response.status == 200 and "BEGIN:VCALENDAR" in response.text()
