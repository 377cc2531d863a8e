"""A seller clicks the CRM's "Request a reference" button: the link signs them in, opens the
request form filled from the deal, and the filed request supports that deal (issue 19)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks.models import ReferenceRequest
from portal.extensions import db
from portal.opportunities import service
from tests.browser.test_smoke import serious_violations
from tests.conftest import PASSWORD, reset_database
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

SELLER = "seller@crm.example"
CRM_ID = "0065g00000NordA"


@pytest.fixture
def crm_deal(live_app, baseline):
    """A seller and the deal they own in the CRM, as a CRM import leaves it."""
    with live_app.app_context():
        manager = UserFactory(role="manager", email="manager@crm.example")
        UserFactory(role="requester", team="sales", email=SELLER, name="Sam Seller")
        service.upsert(
            manager,
            CRM_ID,
            {
                "name": "Nordbank payments platform",
                "account_name": "Nordbank AG",
                "amount": "480000",
                "currency": "EUR",
                "stage": "Proposal/Price Quote",
                "stage_group": "middle",
                "close_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
                "outcome": "open",
                "owner_email": SELLER,
            },
            source="csv",
        )
        db.session.commit()
        deal_id = service.find(CRM_ID).id
        db.session.remove()
    yield deal_id
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def test_seller_files_a_request_from_the_crm_button(page, live_app, crm_deal, screenshot):
    # The Salesforce button's URL, as the README gives it (the host is PORTAL_BASE_URL).
    query = urlencode(
        {"opportunity": CRM_ID, "prospect": "Nordbank AG", "activity_type": "reference_call"}
    )
    page.goto(f"/requests/new?{query}")

    # Not signed in yet: the sign-in page, then straight back to the filled form.
    page.get_by_label("E-mail").fill(SELLER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/requests/new\?opportunity=0065g00000NordA&"))
    page.wait_for_load_state("load")

    expect(page.get_by_role("heading", name="File a reference request")).to_be_visible()
    expect(page.get_by_label("What do you need?")).to_have_value("reference_call")
    expect(page.get_by_label("Prospect company")).to_have_value("Nordbank AG")
    expect(page.get_by_label("Opportunity", exact=True)).to_have_value("Nordbank payments platform")
    expect(page.get_by_label("CRM opportunity id")).to_have_value(CRM_ID)
    expect(page.get_by_label("Amount")).to_have_value("480000")
    expect(page.get_by_label("Stage", exact=True)).to_have_value("Proposal/Price Quote")
    expect(page.locator("#linked-deal")).to_contain_text("480,000 EUR")
    assert serious_violations(page) == []
    screenshot("crm-prefilled-request")

    needed_by = dt.date.today() + dt.timedelta(days=18)
    page.get_by_label("Needed by").fill(needed_by.isoformat())
    page.get_by_role("button", name="Submit request").click()

    # The request's page shows the deal it supports.
    expect(page.get_by_text("Request filed")).to_be_visible()
    summary = page.locator("main")
    expect(summary).to_contain_text("Nordbank payments platform")
    expect(summary).to_contain_text(CRM_ID)
    expect(summary).to_contain_text("Amount 480,000")
    screenshot("crm-prefilled-request-filed")

    with live_app.app_context():
        request = db.session.scalars(
            sa.select(ReferenceRequest).where(ReferenceRequest.opportunity_crm_id == CRM_ID)
        ).one()
        assert request.opportunity_id == crm_deal
        assert request.needed_by == needed_by
        assert request.requester.email == SELLER
        db.session.remove()


def test_manager_finds_the_deal_and_changes_its_outcome(page, live_app, crm_deal, screenshot):
    findings: list[str] = []
    page.goto("/")
    page.get_by_label("E-mail").fill("manager@crm.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.wait_for_load_state("load")  # the menus work once their script has run

    page.get_by_role("button", name="Program").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    expect(page.get_by_role("heading", name="Opportunities", exact=True)).to_be_visible()
    page.get_by_label("Search").fill("nordbank")
    page.get_by_role("button", name="Filter").click()
    findings += serious_violations(page)
    screenshot("opportunities-list")

    page.get_by_role("link", name="Nordbank payments platform").click()
    expect(page.get_by_role("link", name="File a reference request").first).to_have_attribute(
        "href", f"/requests/new?opportunity={CRM_ID}"
    )
    findings += serious_violations(page)
    page.get_by_role("link", name="Edit opportunity").click()
    page.get_by_label("Outcome").select_option("won")
    page.get_by_label("Amount").fill("not a number")
    page.get_by_role("button", name="Save opportunity").click()
    expect(page.locator("#amount-error")).to_contain_text("Must be a number")
    findings += serious_violations(page)
    page.get_by_label("Amount").fill("500000")
    page.get_by_role("button", name="Save opportunity").click()
    expect(page.get_by_text("Opportunity saved.")).to_be_visible()
    expect(page.get_by_text("Outcome Open → Won (on its page)")).to_be_visible()
    screenshot("opportunity-detail")
    assert findings == []
