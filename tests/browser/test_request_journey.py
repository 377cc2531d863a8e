"""A sales rep files a request, the manager opens the matches and asks two advocates, one
accepts with the link from the e-mail."""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks.models import Ask, ReferenceRequest
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.helpers import delivered_text

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo-password-2026"


def sign_in(page, email):
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.wait_for_load_state("load")  # the menus work once their script has run


def sign_out(page):
    page.wait_for_load_state("load")  # the menus work once their script has run
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()


@pytest.fixture
def program(live_app, demo_program):
    """The demo program with its matching data built (seed-demo writes with bulk inserts)."""
    result = live_app.test_cli_runner().invoke(args=["refresh-eligibility", "--all"])
    assert result.exit_code == 0, result.output
    return live_app


def test_sales_files_manager_asks_two_and_one_accepts(page, program, screenshot):
    # The sales rep files the request.
    sign_in(page, "sales@demo.example")
    page.get_by_role("link", name="Requests").click()
    page.get_by_role("link", name="File a request").first.click()
    page.get_by_label("What do you need?").select_option("reference_call")
    page.get_by_label("Needed by").fill((dt.date.today() + dt.timedelta(days=12)).isoformat())
    page.get_by_label("How many advocates").fill("1")
    page.get_by_label("Prospect company").fill("Journey Test Bank")
    page.get_by_label("Regions").select_option(["na", "emea"])
    page.get_by_label("Context for the advocate").fill("A 30-minute call on payments.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Submitted to the reference team")).to_be_visible()
    sign_out(page)

    # The manager finds it in the queue, opens the matches and asks two advocates.
    sign_in(page, "manager@demo.example")
    queue_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Queue", exact=True
    )
    expect(queue_link).to_be_visible()
    queue_link.click()
    page.get_by_role("link", name="Reference call for Journey Test Bank").click()
    expect(page.get_by_role("heading", name="Best matches")).to_be_visible()
    reasons = page.locator(".match-reasons").first
    expect(reasons).to_contain_text(re.compile(r"asks? in 90 days|never asked"))
    screenshot("matches")
    boxes = page.locator("input[name=advocate_id]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Ask the ticked advocates").click()
    expect(page.get_by_text(re.compile("Asked .*; they have an e-mail"))).to_be_visible()
    sign_out(page)

    with program.app_context():
        request = db.session.scalars(
            sa.select(ReferenceRequest).where(
                ReferenceRequest.prospect_company == "Journey Test Bank"
            )
        ).one()
        asks = db.session.scalars(sa.select(Ask).where(Ask.request_id == request.id)).all()
        assert len(asks) == 2 and {a.status for a in asks} == {"pending"}
        first = asks[0]
        message = db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.template == "ask_placed",
                OutboxMessage.recipient == first.advocate.email,
            )
            .order_by(OutboxMessage.id.desc())
        ).first()
        text = delivered_text(message)
        link = re.search(r"https?://\S+/me/asks/answer/accept/\S+", text).group(0)
        ask_id = first.id

    # The advocate accepts with the one-click link from the e-mail.
    page.goto(urlparse(link).path)
    page.get_by_label("Times that suit you (optional)").fill("Tue or Thu afternoon")
    page.get_by_role("button", name="Yes, I can help").click()
    expect(page).to_have_url(re.compile(r"/me/asks/answered/accept"))

    with program.app_context():
        ask = db.session.get(Ask, ask_id)
        assert ask.status == "accepted"
        assert ask.request.status == "fulfilled"  # one advocate was needed

    # The rep sees it on the request's timeline.
    sign_in(page, "sales@demo.example")
    page.get_by_role("link", name="Requests").click()
    page.get_by_role("link", name="Reference call").first.click()
    expect(page.get_by_text("Fulfilled: enough advocates accepted")).to_be_visible()
