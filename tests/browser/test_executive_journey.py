"""The executive in a real browser: the headline home page with trends, the reports and the
scorecards with the leaderboard, a menu of only what they may open, and program pages refused.
(The summary e-mail over real SMTP: tests/recognition/test_executive_summary.py.)"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser

EMAIL = "exec@demo.example"


def test_executive_reads_the_program_and_cannot_change_it(page, live_app, demo_program, screenshot):
    assert EMAIL in demo_program  # seed-demo prints the executive's login with the others
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, EMAIL)
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="Program at a glance")).to_be_visible()
    expect(page.locator("[data-figure='influenced_revenue']")).to_be_visible()
    expect(page.locator("[data-figure='activities_completed']")).to_have_text(re.compile(r"^\d"))
    expect(page.get_by_text(re.compile(r"\(was "))).to_have_count(9)  # all but today's count
    assert serious_violations(page) == []
    screenshot("executive-home")

    nav = page.get_by_role("navigation").first
    for shown in ("Home", "Reports", "Content"):
        expect(nav.get_by_role("link", name=shown, exact=True)).to_be_visible()
    for hidden in ("Requests", "Queue", "Program", "Advocates", "Accounts", "Admin"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    expect(nav.get_by_role("button", name="Program")).to_have_count(0)

    nav.get_by_role("button", name="Teams").click()
    for shown in ("Planning", "Work in progress", "Scorecards"):
        expect(nav.get_by_role("link", name=shown, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Playbook", exact=True)).to_have_count(0)
    nav.get_by_role("link", name="Scorecards", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Scorecards"))).to_be_visible()
    expect(page.get_by_role("heading", name="Everyone's scorecards")).to_be_visible()
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Carlos Santos"))).to_be_visible()
    expect(page.get_by_role("link", name="Recognition settings")).to_have_count(0)
    page.get_by_role("link", name="Year").click()
    expect(page).to_have_url(re.compile(r"period=\d{4}$"))
    assert serious_violations(page) == []
    screenshot("executive-scorecards")

    nav.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Program results")).to_be_visible()

    program_pages = (
        "/home/asks",
        "/program/opportunities/",
        "/recruiting/pipeline",
        "/advocates/",
        "/requests/new",
        "/recognition/settings",
        "/admin/settings/",
    )
    for path in program_pages:
        response = page.goto(path)
        assert response.status == 403, path
    screenshot("executive-forbidden")

    with live_app.app_context():  # the demo wrote last month's summary for the executive
        [summary] = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == EMAIL)
        ).all()
        assert summary.subject.startswith("Program summary for ")
        assert "Activities completed:" in summary.body_text
        db.session.remove()
