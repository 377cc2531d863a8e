"""A company sets up its own program from an empty database: after `db upgrade` and
`create-user`, the administrator does everything else in the browser (products of their own,
a taxonomy of their own, limits, lead times, terms), and every settings page passes axe."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.program import policy
from portal.program.models import TaxonomyTerm
from portal.program.terms import current_version
from tests.browser.test_smoke import serious_violations
from tests.conftest import reset_database

pytestmark = pytest.mark.browser

ADMIN = "owner@acme.example"
PASSWORD = "a-long-admin-passphrase-2026"


@pytest.fixture
def fresh_program(live_app, baseline):
    """The database as `db upgrade` leaves it plus one administrator from `create-user`."""
    with live_app.app_context():  # as `flask` pushes one for every command
        result = live_app.test_cli_runner().invoke(
            args=["create-user", "--email", ADMIN, "--role", "admin", "--password", PASSWORD]
        )
        db.session.remove()
    assert result.exit_code == 0, result.output
    yield live_app
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def open_setting(page, title):
    """Admin menu, Settings, then the page of that title (the way an administrator goes)."""
    page.get_by_role("button", name="Admin", exact=True).click()
    page.locator("header").get_by_role("link", name="Settings", exact=True).click()
    page.locator("main").get_by_role("link", name=title).click()
    page.wait_for_load_state("load")


def test_admin_sets_up_a_fresh_program_in_the_browser(page, fresh_program, screenshot):
    findings: list[str] = []

    def check_accessibility():
        findings.extend(f"{page.url}: {v}" for v in serious_violations(page))

    page.goto("/")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    page.wait_for_load_state("load")

    # Their own products: two added, the demo's Payments retired.
    open_setting(page, "Taxonomies")
    check_accessibility()
    page.locator("main").get_by_role("link", name=re.compile("^Products")).click()
    for label in ("Acme Ledger", "Acme Payroll"):
        page.get_by_label("Label", exact=True).fill(label)
        page.get_by_role("button", name="Add term").click()
        expect(page.get_by_text(f"{label} added.")).to_be_visible()
    page.get_by_role("button", name="Retire Payments").click()
    expect(page.locator("tr", has_text="Payments").get_by_text("Retired")).to_be_visible()
    check_accessibility()
    screenshot("setup-products")

    # A taxonomy of their own, with a first term.
    page.get_by_role("link", name="Taxonomies").click()
    page.get_by_label("Name", exact=True).fill("Job function")
    page.get_by_role("button", name="Add taxonomy").click()
    expect(page.get_by_role("heading", name="Job function")).to_be_visible()
    page.get_by_label("Label", exact=True).fill("Finance")
    page.get_by_role("button", name="Add term").click()
    expect(page.get_by_text("Finance added.")).to_be_visible()
    check_accessibility()

    # Limits: a contradicting pair is refused with nothing saved, then the right ones are kept.
    open_setting(page, "Program policy")
    check_accessibility()
    page.get_by_label("Program name").fill("Acme Champions")
    page.get_by_label("Asks per month").fill("3")
    page.get_by_label("Asks per quarter").fill("2")
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("main")).to_contain_text("quarter")
    expect(page.locator(".is-invalid").first).to_be_visible()
    expect(page.locator("header")).not_to_contain_text("Acme Champions")
    check_accessibility()
    page.get_by_label("Asks per quarter").fill("6")
    page.get_by_label("Asks per year").fill("12")
    page.get_by_label("Days between asks (cooldown)").fill("30")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text(re.compile(r"Saved: \d+ setting"))).to_be_visible()
    expect(page.locator("header")).to_contain_text("Acme Champions")
    screenshot("setup-policy")

    # Lead times: a case study needs 30 working days' notice.
    open_setting(page, "Lead times")
    page.get_by_label("Case study").fill("30")
    page.get_by_role("button", name="Save lead times").click()
    expect(page.get_by_label("Case study")).to_have_value("30")
    check_accessibility()

    # Terms of their own: written, previewed, saved and published as a new version.
    open_setting(page, "Program terms")
    check_accessibility()
    page.get_by_role("link", name=re.compile("Write a new version|Edit the draft")).click()
    page.get_by_label("Terms text (Markdown)").fill(
        "# Acme Champions terms\n\nYou take **at most one call a month**.\n"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("strong", has_text="at most one call a month").first).to_be_visible()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("The saved draft, as advocates will read it")).to_be_visible()
    page.wait_for_load_state("load")
    check_accessibility()
    page.get_by_label("New version name").fill("acme-1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("tr", has_text="acme-1").get_by_text("current")).to_be_visible()
    check_accessibility()
    screenshot("setup-terms")

    # What requesters and managers now pick from: the new products, not the retired one.
    page.goto("/accounts/new")
    products = page.get_by_label("Products in use")
    expect(products.locator("option", has_text="Acme Ledger")).to_have_count(1)
    expect(products.locator("option", has_text="Payments")).to_have_count(0)

    with fresh_program.app_context():
        values = policy.stored_values()
        assert (values["default_max_per_month"], values["default_max_per_quarter"]) == (3, 6)
        assert values["program_name"] == "Acme Champions"
        assert current_version() == "acme-1"
        labels = db.session.scalars(
            sa.select(TaxonomyTerm.label).where(TaxonomyTerm.kind == "job_function")
        ).all()
        assert labels == ["Finance"]
        db.session.remove()
    assert findings == []
