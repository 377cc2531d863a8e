"""The library and the reports in a real browser: a sales rep searches the demo library, opens
an asset and logs its use; the manager reads the program page and the business value report."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.content.models import ContentUse
from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser


def test_requester_searches_the_library_and_logs_a_use(page, live_app, demo_program, screenshot):
    sign_in(page, "sales@demo.example")
    page.get_by_role("link", name="Content", exact=True).click()
    expect(page.get_by_role("heading", name="Content library")).to_be_visible()
    screenshot("content-library")
    assert serious_violations(page) == []
    page.get_by_label("Kind").select_option(index=1)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"kind="))
    page.locator(".list-group-item a.fw-semibold").first.click()
    expect(page.get_by_role("heading", name="Use it")).to_be_visible()
    page.get_by_label("Or its CRM id").fill("006BROWSER")
    with live_app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(ContentUse.id)))
        db.session.remove()
    page.route("https://www.example.com/**", lambda route: route.fulfill(body="Story"))
    page.get_by_role("button", name="Open the link").click()
    expect(page).to_have_url(re.compile(r"^https://www\.example\.com/customers/"))
    with live_app.app_context():
        after = db.session.scalar(sa.select(sa.func.count(ContentUse.id)))
        last = db.session.scalar(sa.select(ContentUse).order_by(ContentUse.id.desc()))
        assert after == before + 1 and last.opportunity_crm_id == "006BROWSER"
        db.session.remove()


def test_manager_reads_the_program_page_and_reports(page, demo_program, screenshot):
    sign_in(page, "manager@demo.example")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Program results")).to_be_visible()
    expect(page.get_by_text("Win rate with a reference")).to_be_visible()
    screenshot("reports-program")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Business value").click()
    expect(page.locator("figure.report-chart svg")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    screenshot("reports-business-value")
    assert serious_violations(page) == []
    page.goto("/reports/utilization")
    expect(page.locator("figure.report-chart svg")).to_be_visible()
    screenshot("reports-utilization")
    page.goto("/reports/funnel?start=2026-06-01&end=2026-01-01")
    expect(page.get_by_text("The start is after the end")).to_be_visible()
    page.goto("/program/content/")
    expect(page.get_by_role("heading", name="Content library")).to_be_visible()
    screenshot("content-manage")
    assert serious_violations(page) == []
