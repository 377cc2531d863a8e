"""The outbox admin page in a real browser: the manager finds the failed message first, reads
why it failed and sends it again; the administrator sets up team chat."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser

SUBJECT = "Could you help with a reference call?"
ERROR = "Recipient refused: gone@customer.example: 550 5.1.1 No such user here"


def add_failed_message(live_app) -> int:
    with live_app.app_context():
        message = OutboxMessage(
            kind="email",
            template="ask_placed",
            recipient="gone@customer.example",
            subject=SUBJECT,
            body_text="Hello,\n\nCould you help with a reference call?",
            status="failed",
            attempts=1,
            last_error=ERROR,
        )
        db.session.add(message)
        db.session.commit()
        message_id = message.id
        db.session.remove()
    return message_id


def test_manager_sees_a_failed_message_first_and_sends_it_again(
    page, live_app, demo_program, screenshot
):
    message_id = add_failed_message(live_app)
    sign_in(page, "manager@demo.example")
    page.get_by_role("button", name="Program").click()  # the program team's menu
    page.get_by_role("link", name="Outgoing messages").click()
    expect(page.get_by_role("heading", name="Outgoing messages")).to_be_visible()
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text("Failed")
    expect(first_row).to_contain_text("No such user here")
    assert serious_violations(page) == []
    screenshot("outbox-list")

    first_row.get_by_role("link", name=SUBJECT).click()
    expect(page).to_have_url(re.compile(rf"/admin/outbox/{message_id}$"))
    expect(page.get_by_role("alert")).to_contain_text("Failed after 1 attempt.")
    screenshot("outbox-message-failed")
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("Queued again")).to_be_visible()
    assert serious_violations(page) == []
    with live_app.app_context():
        status = db.session.scalar(
            sa.select(OutboxMessage.status).where(OutboxMessage.id == message_id)
        )
        db.session.remove()
    assert status == "queued"


def test_admin_sets_up_team_chat(page, live_app, demo_program, screenshot):
    sign_in(page, "admin@demo.example")
    page.goto("/admin/settings/points")
    page.get_by_role("link", name="Team chat").click()
    page.get_by_label("Incoming-webhook URL").fill("ftp://hooks.example.com/nope")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#url-error")).to_contain_text("http(s) address")
    page.get_by_label("Incoming-webhook URL").fill("https://hooks.slack.com/services/T0/B0/x")
    page.get_by_label("Microsoft Teams").check()
    page.get_by_label("A benefit claim waits for a decision").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_label("Microsoft Teams")).to_be_checked()
    expect(page.get_by_label("A benefit claim waits for a decision")).not_to_be_checked()
    assert serious_violations(page) == []
    screenshot("settings-team-chat")
