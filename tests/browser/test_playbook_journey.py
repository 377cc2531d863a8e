"""The playbook in a real browser: a manager edits the case-study brief; a sales rep opens the
request form, picks a case study and reads the edited brief, the lead time and the stages;
switching the activity switches the entry; a late-stage deal gets a gentle note, never a block
(issue 20)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.opportunities import service as opportunities
from tests.browser.test_smoke import serious_violations
from tests.conftest import PASSWORD, reset_database
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

MANAGER = "mia@playbook.example"
SELLER = "sam@playbook.example"
CRM_ID = "006PLAYBOOKLATE"
SHOTS = Path("/tmp/shots/playbook")  # noqa: S108  (where the team looks at screenshots)
BRIEF = "Ask for **board-level** results: the prospect's CFO reads it."


@pytest.fixture
def people(live_app, baseline):
    with live_app.app_context():
        manager = UserFactory(role="manager", email=MANAGER, name="Mia Manager")
        UserFactory(role="requester", team="sales", email=SELLER, name="Sam Seller")
        opportunities.upsert(
            manager,
            CRM_ID,
            {
                "name": "Nordbank renewal",
                "account_name": "Nordbank AG",
                "owner_email": SELLER,
                "stage": "Negotiation/Review",
                "stage_group": "late",
                "close_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
                "outcome": "open",
            },
            source="csv",
        )
        db.session.commit()
        db.session.remove()
    yield
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def entry(page, activity_type):
    return page.locator(f'[data-playbook-panel] [data-playbook-entry="{activity_type}"]')


def test_manager_edits_the_brief_and_the_requester_reads_it_on_the_form(page, people):
    sign_in(page, MANAGER)
    page.get_by_role("button", name="Program").click()
    page.get_by_role("link", name="Edit the playbook").click()
    expect(page.get_by_role("heading", name="Edit the playbook")).to_be_visible()
    assert serious_violations(page) == []
    case = page.locator("#entry-case_study")
    case.locator("summary").click()
    form = case.get_by_role("form", name="Playbook for case study")
    form.get_by_label("How to brief an advocate").fill(BRIEF)
    form.get_by_label("Late").check()
    shot(page, "edit-case-study")
    form.get_by_role("button", name="Save case study").click()
    expect(page.get_by_text("Saved the playbook for case study.")).to_be_visible()

    # A bad brief: the field says why; the stored one stays.
    page.locator("#entry-quote summary").click()
    quote = page.get_by_role("form", name="Playbook for quote")
    quote.get_by_label("How to brief an advocate").fill("<script>alert(1)</script>")
    quote.get_by_role("button", name="Save quote").click()
    expect(page.locator("#quote-brief-error")).to_contain_text("without HTML")
    shot(page, "edit-refused")
    assert serious_violations(page) == []

    sign_in(page, SELLER)
    page.get_by_role("link", name="Requests").first.click()
    page.goto("/requests/new")
    expect(page.locator("[data-playbook-panel]")).to_contain_text("Choose what you need")
    page.get_by_label("What do you need?").select_option("case_study")
    shown = entry(page, "case_study")
    expect(shown).to_be_visible()
    expect(shown.locator("strong", has_text="board-level")).to_be_visible()  # rendered bold
    expect(shown).to_contain_text("Lead time: 30 working days")
    expect(shown.locator(".playbook-stage")).to_have_text(["Early", "Middle", "Late"])
    expect(entry(page, "site_visit")).to_be_hidden()
    shot(page, "form-case-study")
    assert serious_violations(page) == []

    page.get_by_label("What do you need?").select_option("site_visit")
    expect(entry(page, "case_study")).to_be_hidden()
    site = entry(page, "site_visit")
    expect(site).to_be_visible()
    expect(site).to_contain_text("Lead time: 15 working days")
    expect(site.locator(".playbook-stage")).to_have_text(["Late"])

    # The read-only playbook: the table and the edited brief.
    page.get_by_role("button", name="Teams").click()
    page.get_by_role("link", name="Playbook", exact=True).click()
    row = page.locator('tr[data-playbook-row="case_study"]')
    expect(row.locator("td")).to_have_text(["✓Fits", "✓Fits", "✓Fits", "30"])
    expect(page.locator("#about-case_study strong", has_text="board-level")).to_be_visible()
    expect(page.get_by_role("link", name="Edit the playbook")).to_have_count(0)
    shot(page, "playbook-page")
    assert serious_violations(page) == []


def test_a_late_stage_deal_gets_a_gentle_note_that_follows_the_activity(page, people):
    sign_in(page, SELLER)
    page.goto(f"/requests/new?opportunity={CRM_ID}&activity_type=case_study")
    note = entry(page, "case_study").locator("[data-playbook-warning]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("this deal is in the late stage")
    shot(page, "form-stage-note")
    page.get_by_label("What do you need?").select_option("reference_call")  # fits late deals
    expect(page.locator("[data-playbook-warning]:visible")).to_have_count(0)
    page.get_by_label("What do you need?").select_option("social_post")  # early only
    expect(entry(page, "social_post").locator("[data-playbook-warning]")).to_be_visible()
