"""Every role's main pages work under the Content-Security-Policy: no script, style or image the
policy refuses (Chromium reports each as a console error and a securitypolicyviolation event)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import EXTRA_PAGES, own_links
from tests.browser.test_smoke import sign_in

pytestmark = pytest.mark.browser

# Recorded in the page before any of its own script runs; the browser's own init scripts are
# not subject to the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.mark.parametrize("email", list(EXTRA_PAGES))
def test_main_pages_of_each_role_break_no_content_security_policy_rule(page, demo_program, email):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, email)
    paths = own_links(page)[:25] + EXTRA_PAGES[email]
    assert len(paths) > 3
    visited = 0
    for path in paths:
        response = page.goto(path)
        if response is None or response.status >= 400:
            continue
        visited += 1
        page.wait_for_load_state("load")
        if page.locator("#user-menu").count():
            page.locator("#user-menu").click()  # Bootstrap's dropdown (Popper sets styles)
        events = page.evaluate("window.__cspViolations || []")
        refused.extend(f"{path}: {event}" for event in events)
    assert visited >= 3
    assert refused == []


def test_report_chart_is_styled_under_the_policy(page, demo_program):
    sign_in(page, "manager@demo.example")
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto("/reports/funnel")
    assert "style-src 'self' 'nonce-" in response.headers["content-security-policy"]
    chart = page.locator(".report-chart svg")
    if not chart.count():
        pytest.skip("the demo program has no requests in the default range")
    # pygal's stylesheet applied: its title font size comes from the nonced <style> element.
    size = chart.locator(".title").first.evaluate("node => getComputedStyle(node).fontSize")
    assert size == "14px"
    # The hidden tooltip stays hidden (an opacity attribute, not a refused style attribute).
    opacity = chart.locator(".tooltip").first.evaluate("node => getComputedStyle(node).opacity")
    assert opacity == "0"
    assert page.evaluate("window.__cspViolations") == []
