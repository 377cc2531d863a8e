"""A rep opens their request and finds the customer stories for its opportunity beside it, with
why each matched; copying a story's link from there logs the use for the deal (issue 22)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.content.assets import create_asset
from portal.content.models import ContentAsset, ContentUse
from portal.extensions import db
from tests.browser.test_smoke import serious_violations
from tests.conftest import PASSWORD, reset_database
from tests.factories import AccountFactory, ReferenceRequestFactory, UserFactory

pytestmark = pytest.mark.browser

REP = "rep@stories.example"
CRM_ID = "0065g00000StoryA"
STORIES = [
    # title, kind, account, industries, products, stages
    ("Nordbank moves card payments in six weeks", "case_study", "Nordbank AG",
     ["banking"], ["payments"], ["late"]),
    ("Assura pays claims the same day", "video", "Assura Insurance",
     ["insurance"], ["payments"], ["late"]),
    ("Baltbank's analytics in one quarter", "quote", "Baltbank",
     ["banking"], ["analytics"], ["early"]),
    ("A retailer onboards 4,000 staff", "slides", "Shopline",
     ["retail"], ["identity"], ["middle"]),
]  # fmt: skip


@pytest.fixture
def stories_request(live_app, baseline):
    """A rep's request for a banking payments deal in negotiation and a small library."""
    with live_app.app_context():
        manager = UserFactory(role="manager", email="manager@stories.example")
        rep = UserFactory(role="requester", team="sales", email=REP, name="Riya Rep")
        for title, kind, account, industries, products, stages in STORIES:
            create_asset(
                manager,
                {
                    "kind": kind,
                    "title": title,
                    "url": "https://stories.example.com/" + re.sub(r"\W+", "-", title.lower()),
                    "summary": "A customer story.",
                    "account_id": AccountFactory(name=account).id,
                    "industries": industries,
                    "products": products,
                    "stages": stages,
                    "approval_status": "customer_approved",
                    "approved_by_customer": "Jana Novak, CFO",
                    "approved_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
                },
            )
        # Ties on score go newest first: the industry-only story is the older one.
        db.session.execute(
            sa.update(ContentAsset)
            .where(ContentAsset.title == STORIES[2][0])
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
        )
        request = ReferenceRequestFactory(
            requester=rep,
            prospect_company="Prospect Bank",
            opportunity_name="Prospect Bank payments platform",
            opportunity_crm_id=CRM_ID,
            opportunity_stage="Negotiation/Review",
            criteria={"industries": ["banking"], "products": ["payments"]},
        )
        db.session.commit()
        request_id = request.id
        db.session.remove()
    yield request_id
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def test_rep_sees_stories_on_the_request_and_logs_a_use(
    page, live_app, stories_request, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.get_by_label("E-mail").fill(REP)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.goto(f"/requests/{stories_request}")
    page.wait_for_load_state("load")

    card = page.get_by_role("region", name="Customer stories for this opportunity")
    expect(card).to_be_visible()
    items = card.get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text(STORIES[0][0])
    expect(items.nth(0)).to_contain_text("Same industry: Banking · Product: Payments · Stage: late")
    expect(items.nth(1)).to_contain_text(STORIES[1][0])
    expect(items.nth(1)).to_contain_text("Product: Payments · Stage: late")
    expect(items.nth(2)).to_contain_text(STORIES[2][0])
    expect(items.nth(2)).to_contain_text("Same industry: Banking")
    expect(card).not_to_contain_text(STORIES[3][0])
    expect(card.get_by_role("link", name="All 3 suggestions")).to_have_attribute(
        "href", f"/content/for-request/{stories_request}"
    )
    assert serious_violations(page) == []
    card.scroll_into_view_if_needed()
    screenshot("request-stories")

    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert serious_violations(page) == []
    screenshot("request-stories-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    card.get_by_role("button", name=f"Copy link to {STORIES[0][0]}").click()
    expect(page.get_by_text("Use logged: copy the link below.")).to_be_visible()
    expect(page.get_by_label("The link, ready to copy")).to_have_value(
        re.compile(r"^https://stories\.example\.com/nordbank-")
    )
    with live_app.app_context():
        use = db.session.scalars(sa.select(ContentUse)).one()
        assert (use.action, use.opportunity_crm_id, use.request_id) == (
            "copy_link",
            CRM_ID,
            stories_request,
        )
        db.session.remove()
