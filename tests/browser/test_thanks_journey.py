"""The advocate thanked, in a real browser: the requester marks an ask completed, the advocate
signs in, finds the thank-you with the points in the bell, opens the activity and writes their
feedback, which the requester then reads on the request page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from portal.asks.models import Ask
from portal.extensions import db
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.factories import (
    AskFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

pytestmark = pytest.mark.browser
SHOTS = SCREENSHOTS / "thanks"


@pytest.fixture
def accepted_ask(live_app, baseline):
    with live_app.app_context():
        requester = UserFactory(
            role="requester", team="sales", email="rep@vendor.example", name="Ray Rep"
        )
        advocate, _ = advocate_with_login(email="ines@customer.example", name="Ines Advocate")
        LedgerEntryFactory(advocate=advocate, delta=100)
        request = ReferenceRequestFactory(
            requester=requester, prospect_company="Acme Bank", activity_type="reference_call"
        )
        ask = AskFactory(
            request=request,
            advocate=advocate,
            status="accepted",
            responded_at=dt.datetime.now(dt.UTC),
        )
        db.session.commit()
        ids = {"request": request.id, "ask": ask.id}
        db.session.remove()
    yield ids
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_advocate_is_thanked_and_their_feedback_reaches_the_requester(
    browser, base_url, live_app, accepted_ask
):
    # The requester says it happened and rates it.
    rep = browser.new_page(base_url=base_url)
    sign_in(rep, "rep@vendor.example", PASSWORD)
    rep.goto(f"/requests/{accepted_ask['request']}")
    rep.get_by_label("How did it go?").select_option("5")
    rep.get_by_role("button", name="It happened: rate it").click()
    expect(rep.locator("#asks")).to_contain_text("Rated 5 of 5")

    # The advocate finds the thank-you, with the points, in the portal.
    me = browser.new_page(base_url=base_url, viewport={"width": 375, "height": 800})
    sign_in(me, "ines@customer.example", PASSWORD)
    me.goto("/notifications/")
    thanks = me.get_by_role("button", name="Thank you for the reference call")
    expect(thanks).to_be_visible()
    shot(me, "notifications")
    thanks.click()
    expect(me.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(me.get_by_text("This earned you 50 points")).to_be_visible()
    assert serious_violations(me) == []
    me.get_by_role("textbox", name="Your feedback").fill(
        "Great conversation; they asked sharp questions."
    )
    shot(me, "ask_before_feedback")
    me.get_by_role("button", name="Send feedback").click()
    expect(me.get_by_role("alert").filter(has_text="Thank you for your feedback")).to_be_visible()
    expect(me.get_by_role("textbox", name="Your feedback")).to_have_value(
        "Great conversation; they asked sharp questions."
    )
    shot(me, "ask_after_feedback")
    me.goto("/me/history")
    expect(me.get_by_role("link", name="Edit your feedback")).to_be_visible()

    # The requester reads it on the request page.
    rep.reload()
    expect(rep.locator("#asks")).to_contain_text(
        "The advocate's feedback: “Great conversation; they asked sharp questions.”"
    )
    shot(rep, "request_page")
    with live_app.app_context():
        ask = db.session.get(Ask, accepted_ask["ask"])
        assert ask.status == "completed"
        assert ask.advocate_feedback == "Great conversation; they asked sharp questions."
        db.session.remove()
