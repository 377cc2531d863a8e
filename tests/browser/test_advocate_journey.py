"""The advocate's journey in a real browser: terms, a monthly limit, one decline, one accept."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser

EMAIL = "advocate@demo.example"


def answered(live_app) -> dict[str, int]:
    with live_app.app_context():
        advocate = db.session.scalar(sa.select(Advocate).where(Advocate.email == EMAIL))
        rows = db.session.execute(
            sa.select(Ask.status, sa.func.count())
            .where(Ask.advocate_id == advocate.id, Ask.responded_at.is_not(None))
            .group_by(Ask.status)
        ).all()
        limit = advocate.max_per_month
        consent = advocate.consent_version
        db.session.remove()
    return {**{status: n for status, n in rows}, "limit": limit, "consent": consent}


def test_advocate_accepts_terms_sets_a_limit_and_answers_two_asks(
    page, live_app, demo_program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    before = answered(live_app)
    sign_in(page, EMAIL)

    # The demo advocate may or may not have accepted the current terms already.
    if "/me/terms" in page.url:
        expect(page.get_by_role("heading", name=re.compile("the terms"))).to_be_visible()
        assert serious_violations(page) == []
        page.get_by_label("I have read the program terms and accept them").check()
        page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_be_visible()

    # A monthly limit of 1.
    page.get_by_role("navigation", name="Your pages").get_by_role(
        "link", name="Preferences"
    ).click()
    expect(page.get_by_role("heading", name="Your preferences")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("At most per month").fill("1")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("alert")).to_contain_text("Your preferences are saved")
    expect(page.get_by_label("At most per month")).to_have_value("1")

    # Decline one ask with a reason.
    page.goto("/me/")
    answers = page.get_by_role("link", name=re.compile(r"^Answer"))
    waiting = answers.count()
    assert waiting >= 2, "the demo advocate should have two asks waiting"
    answers.first.click()
    assert serious_violations(page) == []
    page.get_by_label("Why not this time?").select_option(label="Too busy")
    page.get_by_label("A note for the team (optional)").last.fill("Quarter-end, sorry.")
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("alert")).to_contain_text("Thanks for letting us know")
    expect(page.get_by_role("link", name=re.compile(r"^Answer"))).to_have_count(waiting - 1)

    # Accept another, proposing times.
    page.get_by_role("link", name=re.compile(r"^Answer")).first.click()
    page.get_by_label("Times that suit you (optional)").fill("Tuesday or Thursday afternoon")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Thank you")
    expect(page.get_by_role("link", name=re.compile(r"^Answer"))).to_have_count(waiting - 2)

    after = answered(live_app)
    assert after["limit"] == 1 and after["consent"]
    assert after.get("declined", 0) == before.get("declined", 0) + 1
    assert after.get("accepted", 0) == before.get("accepted", 0) + 1

    # The home page at desktop and phone widths.
    expect(page.get_by_role("heading", name="What you have given")).to_be_visible()
    assert serious_violations(page) == []
    screenshot("advocate-home-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"
    screenshot("advocate-home-phone")
    page.goto("/me/preferences")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
