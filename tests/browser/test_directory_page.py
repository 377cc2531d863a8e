"""A seller opens "Find references", narrows by industry, and sees the cards (company, role,
story, what each will do and how, when free, contact hidden): at desktop and at 375 px, with
axe finding nothing serious."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from portal.content.models import ContentAsset
from portal.extensions import db
from portal.program.service import set_setting
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

SELLER = "seller@directory.example"


@pytest.fixture
def references(live_app, baseline):
    """A small program: banks and retailers, stories, one accepted ask of the seller's."""
    with live_app.app_context():
        seller = UserFactory(role="requester", team="sales", email=SELLER, name="Sam Seller")
        set_setting(UserFactory(role="admin"), "self_service_activity_types", ["quote"])
        today = dt.date.today()
        people = [
            (
                "Nordbank AG",
                "banking",
                "Jana Novak",
                "Head of Payments",
                ["reference_call", "quote"],
            ),
            ("Baltic Savings", "banking", "Lars Berg", "CIO", ["reference_call", "case_study"]),
            ("Alpenbank", "banking", "Eva Huber", "Chief Risk Officer", ["quote"]),
            ("Shopwise Inc", "retail", "Ole Hansen", "VP Engineering", ["reference_call"]),
        ]
        for company, industry, name, title, activities in people:
            account = AccountFactory(name=company, industry=industry)
            advocate = AdvocateFactory(
                account=account,
                name=name,
                title=title,
                activity_types=activities,
                email=f"{name.split()[0].lower()}@{industry}.example",
                paused_until=today + dt.timedelta(days=12) if name == "Lars Berg" else None,
            )
            db.session.add(
                ContentAsset(
                    kind="case_study",
                    title=f"How {company} moved its payments",
                    url="https://stories.example/case",
                    account=account,
                    approval_status="customer_approved",
                )
            )
            if name == "Eva Huber":
                AskFactory(
                    request=ReferenceRequestFactory(requester=seller),
                    advocate=advocate,
                    status="accepted",
                )
        db.session.commit()
        db.session.remove()
    yield
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def test_seller_finds_references_by_industry_at_desktop_and_phone(page, references, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, SELLER, PASSWORD)
    page.get_by_role("link", name="Find references").click()
    expect(page.get_by_role("heading", name="Find references")).to_be_visible()
    page.get_by_label("Industry").select_option("banking")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("3 advocates")).to_be_visible()
    cards = page.locator("article.card")
    expect(cards).to_have_count(3)
    expect(page.get_by_text("Ole Hansen")).to_have_count(0)
    jana = cards.filter(has_text="Jana Novak")
    expect(jana).to_contain_text("How Nordbank AG moved its payments")
    expect(jana).to_contain_text("Free now")
    expect(jana).to_contain_text("Shared once they accept one of your asks")
    expect(jana.get_by_role("link", name="Request through the program")).to_have_attribute(
        "href", "/requests/new?activity_type=reference_call&industry=banking"
    )
    expect(cards.filter(has_text="Lars Berg")).to_contain_text("Free from")
    # The seller's accepted ask shows Eva's e-mail; quotes are asked directly.
    eva = cards.filter(has_text="Eva Huber")
    expect(eva).to_contain_text("eva@banking.example")
    expect(eva.get_by_role("link", name="Ask directly")).to_be_visible()
    screenshot("directory")
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    expect(cards).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("directory-375")
    assert serious_violations(page) == []

    # The applied filter comes off with one tap, and the request link pre-fills the form.
    page.get_by_role("link", name="Industry: Banking").click()
    expect(cards).to_have_count(4)
    cards.filter(has_text="Eva Huber").get_by_role("link", name="Ask directly").click()
    expect(page).to_have_url(re.compile(r"/requests/new\?activity_type=quote&industry=banking$"))
    expect(page.get_by_label("What do you need?")).to_have_value("quote")
