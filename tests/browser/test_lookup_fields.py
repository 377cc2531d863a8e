"""The program team's search fields in a real browser: typing part of a name offers matches from
the server, and picking one fills in the account of a content asset or adds an advocate to a
benefit's chosen list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.benefits.models import Benefit
from portal.content.models import ContentAsset
from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser


def first(live_app, query):
    with live_app.app_context():
        row = db.session.execute(query).first()
        db.session.remove()
    return row


def pick(page, field_id: str, typed: str) -> str:
    """Type `typed` into the search field, wait for the suggestions and pick the first."""
    field = page.locator(f"#{field_id}")
    field.press_sequentially(typed, delay=30)
    option = page.locator(f"#{field_id}-options option").first
    expect(option).to_be_attached()
    label = option.get_attribute("value")
    field.fill(label)  # what choosing a suggestion does: the input holds its words
    return label


def test_manager_picks_an_account_for_new_content(page, live_app, demo_program):
    account_id, name = first(
        live_app, sa.select(Account.id, Account.name).order_by(Account.name).limit(1)
    )
    sign_in(page, "manager@demo.example")
    page.goto("/program/content/new")
    assert serious_violations(page) == []
    page.get_by_label("Kind").select_option("case_study")
    page.get_by_label("Title").fill("Picked in the browser")
    page.get_by_label("Link").fill("https://www.example.com/picked")
    label = pick(page, "account_id", name[:4])
    assert label.startswith(name)
    expect(page.locator("#account_id-id")).to_have_value(str(account_id))
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_text("Picked in the browser is in the library.")).to_be_visible()
    asset = first(
        live_app,
        sa.select(ContentAsset.account_id).where(ContentAsset.title == "Picked in the browser"),
    )
    assert asset == (account_id,)


def test_manager_adds_advocates_to_a_benefit_by_name(page, live_app, demo_program):
    active = sa.select(Advocate.name).where(Advocate.status == "active").limit(1)
    names = [
        first(live_app, active.order_by(Advocate.name))[0],
        first(live_app, active.order_by(Advocate.name.desc()))[0],
    ]
    assert names[0] != names[1]
    sign_in(page, "manager@demo.example")
    page.goto("/program/benefits/new")
    assert serious_violations(page) == []
    page.get_by_label("Kind").select_option("advisory_board")
    page.get_by_label("Title").fill("Browser board")
    page.get_by_label("Who may claim").select_option("chosen")
    chosen = page.locator("#allowed_advocate_ids-chosen label")
    for name in names:
        label = pick(page, "allowed_advocate_ids", name)
        assert label.startswith(name)
        expect(chosen.filter(has_text=label)).to_have_count(1)
        expect(page.locator("#allowed_advocate_ids")).to_have_value("")
    expect(page.locator("#allowed_advocate_ids-chosen input:checked")).to_have_count(2)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Add the benefit").click()
    expect(page.get_by_role("heading", name="Browser board")).to_be_visible()
    with live_app.app_context():
        benefit = db.session.scalars(sa.select(Benefit).where(Benefit.title == "Browser board"))
        assert len(benefit.one().allowed) == 2
        db.session.remove()
