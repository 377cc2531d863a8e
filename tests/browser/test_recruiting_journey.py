"""Recruiting in a real browser: a CSM nominates a contact, the manager invites them from the
pipeline board, the invitee accepts the terms, sets a password and lands on their home page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.test_smoke import serious_violations, sign_in
from tests.helpers import delivered_text

pytestmark = pytest.mark.browser

CSM = "csm@demo.example"
MANAGER = "manager@demo.example"
NOMINEE = "nadia.novak@nominee.example"


def invitation_link(live_app) -> str:
    with live_app.app_context():
        body = delivered_text(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(
                    OutboxMessage.recipient == NOMINEE,
                    OutboxMessage.template == "advocate_invitation",
                )
                .order_by(OutboxMessage.id.desc())
            ).first()
        )
        db.session.remove()
    return re.search(r"https?://\S+/welcome/\S+", body).group(0)


def sign_out(page):
    page.context.clear_cookies()


def test_csm_nominates_manager_invites_invitee_joins(
    page, live_app, live_server, demo_program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})

    # Customer success: referenceability of an own account, then a nomination there.
    sign_in(page, CSM)
    page.get_by_role("link", name="Referenceability").click()
    expect(
        page.get_by_role("heading", name=re.compile("referenceability and participation"))
    ).to_be_visible()
    assert serious_violations(page) == []
    screenshot("recruiting-csm-accounts")
    page.locator("table a").first.click()
    page.get_by_label("Referenceable?").select_option("referenceable")
    page.get_by_label("Why").fill("Live for a year; the CFO presents our results internally.")
    page.get_by_label("Relationship health").select_option("healthy")
    page.get_by_label("NPS").fill("62")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("referenceability saved")
    account_url = page.url
    # The account page's own button (the user menu has a "Nominate a contact" of its own).
    page.get_by_role("main").get_by_role("link", name="Nominate a contact").first.click()
    page.get_by_label("Name").fill("Nadia Novak")
    page.get_by_label("E-mail").fill(NOMINEE)
    page.get_by_label(re.compile("Why")).fill("Led the migration; great storyteller.")
    screenshot("recruiting-csm-nominates")
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("alert")).to_contain_text("Nadia Novak nominated")
    page.goto(account_url)
    expect(page.get_by_text("Nadia Novak")).to_be_visible()
    sign_out(page)

    # The manager sees the nomination on the board and invites her.
    sign_in(page, MANAGER)
    page.get_by_role("button", name="Program").click()
    page.get_by_role("link", name="Pipeline").click()
    expect(page.get_by_role("heading", name="Advocate pipeline")).to_be_visible()
    card = page.locator(f"[data-advocate='{NOMINEE}']")
    expect(card).to_contain_text("Nadia Novak")
    assert serious_violations(page) == []
    screenshot("recruiting-pipeline-board")
    card.get_by_role("button", name="Invite Nadia Novak").click()
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent to Nadia Novak")
    expect(
        page.locator("[data-status='invited']").locator(f"[data-advocate='{NOMINEE}']")
    ).to_be_visible()
    # Nurturing: an active advocate's health, a touchpoint with a follow-up.
    page.locator("[data-status='active'] .pipeline-card a").first.click()
    expect(page.get_by_role("heading", name="Health")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Quarterly check-in; happy to speak at the summit.")
    page.get_by_label("When").fill("2026-01-10T10:00")
    page.get_by_label("Follow up on").fill("2026-01-15")
    page.get_by_role("button", name="Log touchpoint").click()
    expect(page.get_by_role("alert")).to_contain_text("Touchpoint logged")
    screenshot("recruiting-advocate-health")
    page.get_by_role("link", name="Follow-ups").click()
    expect(page.get_by_role("heading", name="Your follow-ups due")).to_be_visible()
    expect(page.get_by_text("Quarterly check-in")).to_be_visible()
    page.get_by_role("list", name="Recruiting").get_by_role("link", name="Targets and gaps").click()
    expect(page.get_by_role("heading", name="Targets and gaps")).to_be_visible()
    screenshot("recruiting-targets-gaps")
    sign_out(page)

    # The invitee follows the e-mailed link, accepts the terms and chooses a password.
    page.goto(
        invitation_link(live_app).replace(
            re.match(r"https?://[^/]+", invitation_link(live_app)).group(0), live_server
        )
    )
    expect(page.get_by_role("heading", name="Welcome, Nadia")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Choose a password").fill("a long and happy password")
    page.get_by_label("Repeat the password").fill("a long and happy password")
    page.get_by_role("button", name="Join the program").click()
    expect(page.get_by_role("alert")).to_contain_text("Accept the program terms")
    page.get_by_label("I have read the program terms and accept them").check()
    page.get_by_label("Choose a password").fill("a long and happy password")
    page.get_by_label("Repeat the password").fill("a long and happy password")
    screenshot("recruiting-invitee-welcome")
    page.get_by_role("button", name="Join the program").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("alert")).to_contain_text("Welcome to")
    screenshot("recruiting-invitee-home")
