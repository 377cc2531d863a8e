"""The request queue from the keyboard alone (issue 22): a manager moves with j / k, ticks with
x, assigns the ticked requests to themself, saves the current filters and uses them again, and
opens a request with Enter; the page passes axe at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks.models import ReferenceRequest
from portal.asks.queue_models import SavedFilter
from portal.auth.models import User
from portal.extensions import db
from tests.browser.test_smoke import serious_violations
from tests.conftest import PASSWORD, reset_database
from tests.factories import ReferenceRequestFactory, UserFactory

pytestmark = pytest.mark.browser

MANAGER = "maya@queue.example"
COMPANIES = ["Alpha Bank", "Beta Bank", "Gamma Insurance"]


@pytest.fixture
def queue_world(live_app, baseline):
    """A manager and three new requests, due one day after another (the queue's order)."""
    with live_app.app_context():
        UserFactory(role="manager", email=MANAGER, name="Maya Manager")
        today = dt.date.today()
        for n, company in enumerate(COMPANIES):
            ReferenceRequestFactory(
                prospect_company=company, needed_by=today + dt.timedelta(days=5 + n)
            )
        db.session.commit()
        db.session.remove()
    yield
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def active(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if active(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def ticked(page) -> list[bool]:
    return page.eval_on_selector_all("input.queue-pick", "boxes => boxes.map(b => b.checked)")


def test_manager_works_the_queue_with_the_keyboard_only(page, live_app, queue_world, screenshot):
    page.goto("/")
    page.get_by_label("E-mail").fill(MANAGER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.wait_for_load_state("load")

    # The queue is a top-level entry of the navigation.
    queue_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Queue", exact=True
    )
    queue_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()
    page.wait_for_load_state("load")

    # ? shows the keys; Escape closes the help.
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # j, x, j, x (and x twice more: untick, tick): the first two requests are ticked.
    page.keyboard.press("j")
    assert focused_text(page) == "Reference call for Alpha Bank"
    page.keyboard.press("x")
    page.keyboard.press("j")
    assert focused_text(page) == "Reference call for Beta Bank"
    page.keyboard.press("x")
    page.keyboard.press("x")
    assert ticked(page) == [True, False, False]
    page.keyboard.press("x")
    assert ticked(page) == [True, True, False]
    expect(page.locator("#bulk-count")).to_have_text("2 requests ticked.")
    # The focus ring is visible on the focused request (and its row is highlighted).
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    expect(page.locator("tr.queue-row").nth(1)).to_have_class(re.compile("table-active"))
    page.keyboard.press("k")
    assert focused_text(page) == "Reference call for Alpha Bank"
    page.keyboard.press("j")
    screenshot("queue-keyboard")

    # Back up to the bulk actions and assign the two to me.
    tab_to(page, "button[value=assign_me]", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Assigned 2 requests to you.")).to_be_visible()
    page.wait_for_load_state("load")  # the shortcuts work once the page's script has run
    with live_app.app_context():
        me = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        managers = dict(
            db.session.execute(
                sa.select(ReferenceRequest.prospect_company, ReferenceRequest.manager_id)
            ).all()
        )
        assert managers == {"Alpha Bank": me.id, "Beta Bank": me.id, "Gamma Insurance": None}
        db.session.remove()

    # / goes to the search; keys typed there are text, not shortcuts.
    page.keyboard.press("/")
    assert active(page, "#f-q")
    page.keyboard.type("bank")
    assert page.input_value("#f-q") == "bank"
    assert ticked(page) == [False, False, False]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/program/queue\?view=new&q=bank&activity_type=$"))
    expect(page.locator("tr.queue-row")).to_have_count(2)

    # Save the current filters under a name.
    tab_to(page, "#save-filter summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert active(page, "#filter-name")
    page.keyboard.type("Banks")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved the filter “Banks”")).to_be_visible()
    with live_app.app_context():
        [saved] = db.session.scalars(sa.select(SavedFilter)).all()
        assert (saved.name, saved.query) == ("Banks", {"view": "new", "q": "bank"})
        db.session.remove()

    # Everything, then the saved filter again from its quick link.
    page.get_by_role("link", name=re.compile("^Everything")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("tr.queue-row")).to_have_count(3)
    tab_to(page, "a[href^='/program/queue/filters/']", backwards=True)
    assert focused_text(page) == "Banks"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/program/queue\?view=new&q=bank$"))
    expect(page.locator("tr.queue-row")).to_have_count(2)
    expect(page.get_by_role("link", name="Banks")).to_have_attribute("aria-current", "true")
    assert serious_violations(page) == []

    # At phone width: nothing serious for axe, and the page does not scroll sideways.
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_load_state("load")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("queue-keyboard-phone")

    # Enter opens the focused request.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/program/requests/\d+$"))
    expect(page.get_by_role("heading", name=re.compile("Beta Bank"))).to_be_visible()
