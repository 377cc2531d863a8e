"""Nominations from everyone in a real browser: a sales rep nominates a contact at a customer,
the account's CSM is told, the manager invites the contact, the contact accepts, and the rep sees
on My nominations that the nomination became an active advocate. Then the public
self-nomination page: sent, confirmed by the e-mailed link, on the program team's review list."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import Account
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification, OutboxMessage
from tests.browser.test_smoke import serious_violations, sign_in
from tests.helpers import delivered_text

pytestmark = pytest.mark.browser

SALES = "sales@demo.example"
CSM = "csm@demo.example"
MANAGER = "manager@demo.example"
NOMINEE = "nora.lind@nominee.example"


def _csm_account(live_app) -> str:
    """An account the demo CSM looks after that takes nominations."""
    from portal.nominations.service import _nominable

    with live_app.app_context():
        name = db.session.scalar(
            sa.select(Account.name)
            .join(User, User.id == Account.csm_id)
            .where(User.email == CSM, _nominable())
            .order_by(Account.name.desc())
            .limit(1)
        )
        db.session.remove()
    return name


def _mail_link(live_app, live_server, recipient: str, template: str, path: str) -> str:
    with live_app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient, OutboxMessage.template == template)
            .order_by(OutboxMessage.id.desc())
        ).first()
        body = delivered_text(message)
        db.session.remove()
    return live_server + re.search(rf"https?://[^/\s]+({path}\S+)", body).group(1)


def sign_out(page):
    page.context.clear_cookies()


def test_a_sales_rep_nominates_and_sees_the_contact_become_an_advocate(
    page, live_app, live_server, demo_program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    account = _csm_account(live_app)

    # The sales rep nominates a contact at their customer, from the menu.
    sign_in(page, SALES)
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Nominate a contact").click()
    expect(page.get_by_role("heading", name="Nominate a contact")).to_be_visible()
    # Typing part of the name suggests the matching accounts.
    page.get_by_label("Customer account").press_sequentially(account[:5], delay=30)
    expect(page.locator(f"#account-names option[value='{account}']")).to_have_count(1)
    page.get_by_label("Customer account").fill(account)
    page.get_by_label("Contact's name").fill("Nora Lind")
    page.get_by_label("Contact's work e-mail").fill(NOMINEE)
    page.get_by_label("Job title").fill("Head of Finance Operations")
    page.get_by_label("Why would they be a good advocate?").fill(
        "Closed their books two days faster with us; offered to tell other CFOs."
    )
    assert serious_violations(page) == []
    screenshot("nominations-nominate")
    page.get_by_role("button", name="Send nomination").click()
    expect(page.get_by_role("alert")).to_contain_text("Nora Lind is nominated")
    expect(page.get_by_role("alert")).to_contain_text("customer success manager is told")
    row = page.locator("tr", has_text="Nora Lind")
    expect(row).to_contain_text("Nominated")
    sign_out(page)

    # The account's CSM is told: in the portal (and by e-mail, through the outbox).
    with live_app.app_context():
        csm_id = db.session.scalar(sa.select(User.id).where(User.email == CSM))
        assert db.session.scalar(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.template == "nomination_received",
                OutboxMessage.user_id == csm_id,
            )
        )
        db.session.remove()
    sign_in(page, CSM)
    page.goto("/notifications/")
    note = page.get_by_role("button", name=re.compile("New nomination at .*: Nora Lind"))
    expect(note).to_be_visible()
    note.click()
    expect(page.get_by_role("heading", name="Nora Lind is nominated")).to_be_visible()
    expect(page.get_by_text("Why should the program not invite them?")).to_be_visible()
    assert serious_violations(page) == []
    screenshot("nominations-csm-told")
    sign_out(page)

    # The manager sees who nominated on the pipeline card and invites the contact.
    sign_in(page, MANAGER)
    page.goto("/recruiting/pipeline")
    card = page.locator(f"[data-advocate='{NOMINEE}']")
    expect(card).to_contain_text("Nominated by")
    expect(card).to_contain_text("(Sales)")
    expect(card).to_contain_text("Requester")
    objected = page.locator(".pipeline-card", has_text="Objection")
    expect(objected.first).to_be_visible()  # the demo's objected nomination
    assert serious_violations(page) == []
    screenshot("nominations-pipeline")
    card.get_by_role("button", name="Invite Nora Lind").click()
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent to Nora Lind")
    page.goto("/nominations/self")
    expect(page.get_by_text("Yuki Tanaka")).to_be_visible()
    assert serious_violations(page) == []
    screenshot("nominations-self-review")
    sign_out(page)

    # The contact accepts the invitation.
    page.goto(_mail_link(live_app, live_server, NOMINEE, "advocate_invitation", "/welcome/"))
    expect(page.get_by_role("heading", name="Welcome, Nora")).to_be_visible()
    page.get_by_label("I have read the program terms and accept them").check()
    page.get_by_label("Choose a password").fill("a long and happy password")
    page.get_by_label("Repeat the password").fill("a long and happy password")
    page.get_by_role("button", name="Join the program").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    sign_out(page)

    # The sales rep sees what became of the nomination.
    sign_in(page, SALES)
    page.goto("/nominations/mine")
    row = page.locator("tr", has_text="Nora Lind")
    expect(row).to_contain_text("Active advocate")
    expect(row).to_contain_text(account)
    assert serious_violations(page) == []
    screenshot("nominations-my-nominations")
    with live_app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.user_id == csm_id)
            )
            >= 1
        )
        db.session.remove()


def test_a_visitor_nominates_themselves_and_confirms_by_email(
    page, live_app, live_server, demo_program, screenshot
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/nominate")
    expect(page.get_by_role("heading", name="Become a customer advocate")).to_be_visible()
    page.get_by_label("Your name").fill("Ines Visitor")
    page.get_by_label("Work e-mail").fill("ines@visitor-company.example")
    page.get_by_label("Company").fill("Visitor Company")
    page.get_by_label("Job title").fill("CTO")
    page.get_by_label("Reference call").check()
    page.get_by_label("Webinar").check()
    page.get_by_label(re.compile("may contact me")).check()
    assert serious_violations(page) == []
    screenshot("nominations-public-form")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    screenshot("nominations-public-sent")
    link = _mail_link(
        live_app, live_server, "ines@visitor-company.example", "self_nomination_confirm",
        "/nominate/confirm/",
    )  # fmt: skip
    page.goto(link)
    page.get_by_role("button", name="Confirm my e-mail").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    sign_in(page, MANAGER)
    page.goto("/nominations/self")
    item = page.locator("[data-self-nomination]", has_text="Ines Visitor")
    expect(item).to_contain_text("Willing to: reference call, webinar")
