"""Every demo role signs in through the real sign-in form and sees its own home page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo-password-2026"
HOMES = [
    ("admin@demo.example", "Program overview", "admin"),
    ("manager@demo.example", "Program overview", "manager"),
    ("csm@demo.example", "Your accounts", "csm"),
    ("sales@demo.example", "Your reference requests", "requester"),
    ("advocate@demo.example", "Waiting for your answer", "advocate"),
]


def sign_in(page, email, password=DEMO_PASSWORD):
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/me/terms" in page.url:  # the demo advocate agreed to earlier terms: accept these
        page.get_by_label("I have read the program terms and accept them").check()
        page.get_by_role("button", name="Accept and continue").click()


def serious_violations(page) -> list[str]:
    # After the load event: a page asked about its layout earlier (a visible heading is enough)
    # may be laid out before its stylesheets arrive, and axe would judge unstyled colours.
    page.wait_for_load_state("load")
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:3])
        + ")"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("email", "heading", "role"), HOMES)
def test_demo_role_signs_in_and_sees_its_home(page, demo_program, screenshot, email, heading, role):
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/(home|me/)$"))
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    screenshot(f"home-{role}")
    assert serious_violations(page) == []
    # The whole menu fits a laptop screen: nothing scrolls sideways at 1280 px.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_in_the_browser_shows_one_message(page, demo_program):
    sign_in(page, "manager@demo.example", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    assert serious_violations(page) == []


def test_advocate_home_works_at_phone_width(page, demo_program, screenshot):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, "advocate@demo.example")
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"
    screenshot("home-advocate-phone")


@pytest.mark.parametrize(("path", "heading", "name"), [
    ("/accounts/", "Accounts", "accounts-list"),
    ("/advocates/", "Advocates", "advocates-list"),
])  # fmt: skip
def test_manager_filters_the_accounts_and_advocates_lists(
    page, demo_program, screenshot, path, heading, name
):
    sign_in(page, "manager@demo.example")
    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    rows = page.locator("table tbody tr")
    everyone = rows.count()
    assert everyone > 1
    search = page.get_by_role("search")
    first = rows.first.locator("a").first.inner_text().strip()
    search.get_by_role("searchbox").fill(first)
    search.get_by_role("button").first.click()
    page.wait_for_load_state()
    expect(rows.first).to_contain_text(first)
    assert rows.count() < everyone
    screenshot(name)
    assert serious_violations(page) == []
