"""Shared work in progress in a real browser (issue 20): a PR requester sees on the work page
that a case-study interview is planned at an account her team works with (the advocate not
named), the reference manager links her request to it from the request's page, and she sees
the shared activity on her request."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.work.conftest import make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def program(live_app, baseline):
    with live_app.app_context():
        world = make_world(db)
        ids = {
            "pia": world.pia.email,
            "manager": world.manager.email,
            "request": world.pia_quote.id,
            "ask": world.interview.id,
        }
        db.session.remove()
    yield ids
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def test_pr_joins_the_case_study_interview_through_the_manager(page, program, screenshot):
    findings: list[str] = []
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, program["pia"], PASSWORD)
    page.get_by_role("button", name="Teams").click()
    page.get_by_role("link", name="Work in progress").click()
    expect(page.get_by_role("heading", name="Work in progress")).to_be_visible()
    acme = page.locator("tbody[data-account='Acme Bank']")
    row = acme.locator(f"tr[data-ask='{program['ask']}']")
    expect(row).to_contain_text("Case study")
    expect(row).to_contain_text("Sales")
    expect(row).to_contain_text("an advocate at Acme Bank")
    expect(row).to_contain_text("Scheduled")
    expect(page.locator("main")).not_to_contain_text("Ada Lovelace")
    expect(page.locator("main")).not_to_contain_text("Beta Insurance")
    findings += serious_violations(page)
    screenshot("work_pr_sees_the_interview")

    page.context.clear_cookies()
    sign_in(page, program["manager"], PASSWORD)
    page.goto(f"/program/requests/{program['request']}")
    shared = page.locator("#shared")
    expect(shared).to_contain_text("Serve with an activity already planned")
    shared.get_by_label("Activity").select_option(str(program["ask"]))
    shared.get_by_label("Note (optional)").fill("Quotes for the spring launch")
    shared.get_by_role("button", name="Serve with this activity").click()
    expect(page.locator("main")).to_contain_text("The activity now serves this request too.")
    expect(page.locator("#shared .shared-activity")).to_contain_text("Ada Lovelace")
    findings += serious_violations(page)
    screenshot("work_manager_links_the_request")

    page.context.clear_cookies()
    sign_in(page, program["pia"], PASSWORD)
    page.goto(f"/requests/{program['request']}")
    activity = page.locator("#shared .shared-activity")
    expect(activity).to_contain_text("Case study")
    expect(activity).to_contain_text("Acme Bank")
    expect(activity).to_contain_text("Scheduled")
    expect(activity).to_contain_text("an advocate at Acme Bank")
    expect(activity).to_contain_text("Quotes for the spring launch")
    findings += serious_violations(page)
    screenshot("work_pr_sees_it_on_her_request")
    page.goto("/work/")
    expect(page.locator(f"tr[data-ask='{program['ask']}']")).to_contain_text("Your request joined")
    assert findings == []
