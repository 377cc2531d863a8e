"""Every page a role reaches from its home page passes axe-core with no serious or critical
finding (WCAG AA contrast, names, keyboard access), and breaks no rule of the
Content-Security-Policy, for each demo role (one crawl checks both)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import EXTRA_PAGES, crawl, own_links
from tests.browser.test_content_security_policy import watch_policy
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("email", list(EXTRA_PAGES))
def test_every_page_of_each_role_has_no_serious_accessibility_finding_nor_refused_content(
    page, demo_program, email
):
    refused = watch_policy(page)
    sign_in(page, email)
    findings = []
    visited = 0
    for path in crawl(page, EXTRA_PAGES[email], cap=40):
        visited += 1
        findings.extend(f"{path}: {finding}" for finding in serious_violations(page))
        if page.locator("#user-menu").count():
            page.locator("#user-menu").click()  # Bootstrap's dropdown (Popper sets styles)
        events = page.evaluate("window.__cspViolations || []")
        refused.extend(f"{path}: {event}" for event in events)
    assert visited >= 5
    assert findings == []
    assert refused == []


def test_link_in_the_info_box_of_a_claimed_benefit_keeps_its_contrast(page, demo_program):
    """The 'Your claims' link in the info box of a claimed benefit (it failed AA contrast)."""
    sign_in(page, "advocate@demo.example")
    page.goto("/benefits/")
    benefits = [path for path in own_links(page) if re.fullmatch(r"/benefits/\d+", path)]
    checked = 0
    for path in benefits:
        page.goto(path)
        if page.locator(".alert-info a").count():
            checked += 1
            assert serious_violations(page) == [], path
    assert checked > 0, "the demo advocate has claimed no benefit"
