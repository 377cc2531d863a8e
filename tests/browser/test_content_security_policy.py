"""Pages work under the Content-Security-Policy: no script, style or image the policy refuses
(Chromium reports each as a console error and a securitypolicyviolation event). Every role's
pages are checked in the accessibility crawl (`watch_policy`), each page loaded once."""

from __future__ import annotations

import pytest

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


def watch_policy(page) -> list[str]:
    """Record what the policy refuses on `page` from now on: console errors as they come, and
    (read per page from `window.__cspViolations`) the violation events. Every role's crawl in
    `test_accessibility` uses it, so each page is loaded once for both checks."""
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
    return refused


def test_a_refused_inline_script_is_seen(page, demo_program):
    """The watch catches what the policy refuses (else the crawl's check would pass vacuously)."""
    refused = watch_policy(page)
    sign_in(page, "manager@demo.example")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(100)
    events = page.evaluate("window.__cspViolations || []")
    assert refused or events


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
