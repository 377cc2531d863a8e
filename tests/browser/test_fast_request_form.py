"""The fast request form in a real browser: criteria from the prospect's account shown as
chips, chips chosen and removed with the keyboard alone, the usual values of the activity
picked, and the whole form at 375 px (issue 22)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks import defaults, lead_time
from portal.asks.models import ReferenceRequest
from portal.extensions import db
from portal.opportunities import service as opportunities
from tests.browser.test_smoke import serious_violations
from tests.conftest import PASSWORD, reset_database
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.browser

SELLER = "fay@fast.example"
CRM_ID = "006FASTFORM"
SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def fjord_deal(live_app, baseline):
    """A seller's deal with a prospect that is one of the program's accounts."""
    with live_app.app_context():
        manager = UserFactory(role="manager", email="manager@fast.example")
        UserFactory(role="requester", team="sales", email=SELLER, name="Fay Fast")
        AccountFactory(
            name="Fjord Insurance ASA",
            industry="insurance",
            region="na",
            segment="mid_market",
            products=["payments"],
        )
        opportunities.upsert(
            manager,
            CRM_ID,
            {
                "name": "Fjord claims",
                "account_name": "Fjord Insurance ASA",
                "owner_email": SELLER,
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


def sign_in(page):
    page.goto("/")
    page.get_by_label("E-mail").fill(SELLER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, limit: int = 60) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def chosen(page, name: str) -> list[str]:
    return page.locator(f"select#{name}").evaluate(
        "select => Array.from(select.selectedOptions, option => option.value)"
    )


def usual(live_app, kind: str) -> dict:
    with live_app.app_context():
        return defaults.activity_defaults(lead_time.requester_today(None))[kind]


def test_keyboard_alone_picks_chips_and_the_activity_sets_its_usual_values(
    page, live_app, fjord_deal, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page)
    page.goto(f"/requests/new?opportunity={CRM_ID}")
    page.wait_for_load_state("load")

    # The prospect's account already chose these, as chips with their own remove buttons.
    for value in ("Insurance", "Payments", "North America", "Mid-market"):
        expect(page.get_by_role("button", name=f"Remove {value}")).to_be_visible()
    expect(page.locator("select#industries")).not_to_be_in_viewport()  # the chips replace it

    # Picking an activity sets the date and the count the requester has not touched.
    page.get_by_label("What do you need?").select_option("case_study")
    expect(page.get_by_label("Needed by")).to_have_value(usual(live_app, "case_study")["needed_by"])
    expect(page.get_by_label("How many advocates")).to_have_value("1")
    expect(page.locator("[data-defaults-note]")).to_contain_text(
        "Needed by and how many advocates set to the usual for case study"
    )
    page.get_by_label("How many advocates").fill("2")  # now the requester's own
    page.get_by_label("What do you need?").select_option("peer_review")
    expect(page.get_by_label("Needed by")).to_have_value(
        usual(live_app, "peer_review")["needed_by"]
    )
    expect(page.get_by_label("How many advocates")).to_have_value("2")

    # Keyboard only from here: Tab to the industries box, type to filter, Enter adds.
    page.get_by_label("What do you need?").focus()
    industries = page.get_by_role("combobox", name="Add an industry")
    tab_to(page, industries)
    page.keyboard.type("bank")
    expect(page.get_by_role("option", name="Banking")).to_be_visible()
    assert serious_violations(page) == []  # with the list open too
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Remove Banking")).to_be_visible()
    assert chosen(page, "industries") == ["banking", "insurance"]
    page.keyboard.press("Escape")
    expect(page.locator("#industries-options")).to_be_hidden()

    # Each chip's remove button is on the Tab path and named for screen readers.
    page.get_by_label("What do you need?").focus()
    tab_to(page, page.get_by_role("button", name="Remove Insurance"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Remove Insurance")).to_have_count(0)
    assert is_focused(industries)
    assert chosen(page, "industries") == ["banking"]

    # Down and Up move through the offered use cases, Enter adds the active one.
    use_cases = page.get_by_role("combobox", name="Add a use case")
    tab_to(page, use_cases)
    page.keyboard.press("ArrowDown")
    options = page.locator("#use_cases-options [role=option]")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    first = options.first.inner_text()
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(use_cases).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=f"Remove {first}")).to_be_visible()
    # Backspace in the empty box takes the last chip off again; a second Enter adds another.
    page.keyboard.press("Backspace")
    expect(page.get_by_role("button", name=f"Remove {first}")).to_have_count(0)
    assert chosen(page, "use_cases") == []
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert len(chosen(page, "use_cases")) == 1
    page.keyboard.press("Escape")

    assert serious_violations(page) == []
    screenshot("request-form-fast")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Request filed")).to_be_visible()

    with live_app.app_context():
        request = db.session.scalars(
            sa.select(ReferenceRequest).where(ReferenceRequest.opportunity_crm_id == CRM_ID)
        ).one()
        assert request.activity_type == "peer_review"
        assert request.advocates_needed == 2
        assert request.needed_by == dt.date.fromisoformat(
            usual(live_app, "peer_review")["needed_by"]
        )
        assert request.rush is False
        assert request.criteria["industries"] == ["banking"]
        assert request.criteria["products"] == ["payments"]
        assert request.criteria["regions"] == ["na"]
        assert request.criteria["segments"] == ["mid_market"]
        assert len(request.criteria["use_cases"]) == 1
        db.session.remove()


def test_the_form_fits_a_phone(page, live_app, fjord_deal, screenshot):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page)
    page.goto(f"/requests/new?opportunity={CRM_ID}&activity_type=reference_call")
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Remove Insurance")).to_be_visible()
    assert page.evaluate(SCROLL_WIDTH) <= 375, "the form scrolls sideways"

    # Labels above their fields, the buttons as wide as the form, chips large enough to tap.
    label = page.locator('label[for="needed_by"]').bounding_box()
    field = page.locator("#needed_by").bounding_box()
    assert label["y"] + label["height"] <= field["y"] + 1
    form = page.locator("main form").bounding_box()
    for name in ("Submit request", "Save as draft"):
        button = page.get_by_role("button", name=name).bounding_box()
        assert button["width"] >= form["width"] - 1, name
    remove = page.get_by_role("button", name="Remove Insurance").bounding_box()
    assert remove["width"] >= 24 and remove["height"] >= 24
    expect(page.locator("#seniorities-search")).to_be_hidden()  # folded under "More criteria"
    assert serious_violations(page) == []

    # A tap opens the list of products, still inside the screen.
    page.get_by_role("combobox", name="Add a product").click()
    expect(page.locator("#products-options")).to_be_visible()
    assert page.evaluate(SCROLL_WIDTH) <= 375, "the open list scrolls sideways"
    assert serious_violations(page) == []
    screenshot("request-form-375")
    page.keyboard.press("Escape")
    expect(page.locator("#products-options")).to_be_hidden()
