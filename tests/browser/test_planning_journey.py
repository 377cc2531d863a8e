"""Planning in a real browser: a PR lead and a sales rep each plan their needs for the first
quarter of 2030, then see the gap on the shared monthly view.

By hand: one banking account with Ann (reference calls and case studies, the program's 2 a
month) and Bob (reference calls, 1 a month). January: 5 reference calls wanted, Ann 2 + Bob 1
available, gap 2. February: 1 press interview, nobody opted in, gap 1. March: 2 case studies,
Ann 2, covered. The quarter: 8 needed, 5 available, gap 3.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.factories import AccountFactory, AdvocateFactory, UserFactory

pytestmark = pytest.mark.browser

PR_LEAD = "pr.lead@planning.example"
SALES_REP = "sales.rep@planning.example"


@pytest.fixture
def program(live_app, baseline):
    with live_app.app_context():
        bank = AccountFactory(industry="banking", segment="enterprise", region="emea")
        AdvocateFactory(account=bank, activity_types=["reference_call", "case_study"], name="Ann")
        AdvocateFactory(account=bank, activity_types=["reference_call"], max_per_month=1)
        UserFactory(email=PR_LEAD, name="Priya PR", role="requester", team="pr")
        UserFactory(email=SALES_REP, name="Sam Sales", role="requester", team="sales")
        db.session.commit()
        db.session.remove()
    yield
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def plan(page, title, activity, count, by, industry=None, screenshot=None):
    page.get_by_role("button", name="Teams").click()
    page.get_by_role("link", name="Planning", exact=True).click()
    page.get_by_role("link", name="Plan a need").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Activity").select_option(activity)
    page.get_by_label("How many").fill(str(count))
    page.get_by_label("Needed by").fill(by)
    if industry:
        page.get_by_label("Industry").select_option(industry)
    if screenshot:
        assert serious_violations(page) == []
        screenshot("planning-00-need-form")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("alert").filter(has_text=f"Planned: {title}.")).to_be_visible()


def show_quarter(page, team=None):
    page.get_by_role("button", name="Teams").click()
    page.get_by_role("link", name="Planning", exact=True).click()
    page.get_by_label("From month").fill("2030-01")
    page.get_by_label("To month").fill("2030-03")
    if team:
        page.get_by_label("Team").select_option(team)
    # Exact: "Show navigation" (the menu button, shown until the stylesheet hides it) holds it.
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("heading", name="Monthly plan")).to_be_visible()


def cell(page, title, month):
    return page.locator("#monthly-plan tr", has_text=title).locator(f'td[data-month="{month}"]')


def test_a_pr_lead_and_a_sales_rep_plan_a_quarter_and_see_the_gap(
    page, live_server, program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, PR_LEAD, PASSWORD)
    plan(page, "Launch stories", "case_study", 2, "2030-03-05", "banking", screenshot)
    plan(page, "Press for the launch", "press_interview", 1, "2030-02-10")
    screenshot("planning-01-pr-lead-planned")
    page.context.clear_cookies()

    sign_in(page, SALES_REP, PASSWORD)
    plan(page, "Launch reference calls", "reference_call", 5, "2030-01-20", industry="banking")
    show_quarter(page)
    monthly = page.locator("#monthly-plan")
    expect(monthly.get_by_role("columnheader", name="Jan 2030")).to_be_visible()
    expect(monthly.get_by_role("columnheader", name="Mar 2030")).to_be_visible()
    calls = cell(page, "Launch reference calls", "2030-01")
    expect(calls).to_contain_text("5 needed")
    expect(calls).to_contain_text("3 available")
    expect(calls).to_contain_text("Gap 2")
    expect(cell(page, "Press for the launch", "2030-02")).to_contain_text("Gap 1")
    stories = cell(page, "Launch stories", "2030-03")
    expect(stories).to_contain_text("2 available")
    expect(stories).to_contain_text("Covered")
    totals = page.locator("#plan-totals")
    expect(totals.locator('[data-figure="needed"]')).to_have_text("8")
    expect(totals.locator('[data-figure="available"]')).to_have_text("5")
    expect(totals.locator('[data-figure="gap"]')).to_have_text("3")
    # The sales rep edits their own need only: the PR lead's rows have no Edit button.
    rows = page.locator("#monthly-plan tbody tr")
    expect(
        rows.filter(has_text="Launch reference calls").get_by_role("link", name=re.compile("Edit"))
    ).to_have_count(1)
    expect(
        rows.filter(has_text="Launch stories").get_by_role("link", name=re.compile("Edit"))
    ).to_have_count(0)
    assert serious_violations(page) == []
    screenshot("planning-02-sales-rep-monthly-view")

    page.get_by_role("link", name="Activity", exact=True).click()
    by_activity = page.locator("#by-dimension")
    expect(by_activity.locator("tr", has_text="Press interview")).to_contain_text("Gap 1")
    screenshot("planning-03-by-activity")
    page.context.clear_cookies()

    # The PR lead sees the same plan, and the team filter narrows it to PR's needs.
    sign_in(page, PR_LEAD, PASSWORD)
    show_quarter(page, team="pr")
    expect(page.locator("#monthly-plan tbody tr")).to_have_count(2)
    expect(page.locator("#plan-totals [data-figure='gap']")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"team=pr"))
    screenshot("planning-04-pr-lead-filtered")
