"""Ask templates and a personal note, in a real browser: an administrator rewrites the reference
call's template (a bad text is refused at its field first), a manager asks an advocate with a
note, and the advocate reads both on the ask's page, at desktop and phone widths, with axe
finding nothing serious."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.asks.models import Ask
from portal.extensions import db
from portal.program import ask_templates
from tests.browser.test_smoke import serious_violations, sign_in
from tests.conftest import PASSWORD, reset_database
from tests.factories import ReferenceRequestFactory, UserFactory, advocate_with_login

pytestmark = pytest.mark.browser

TEMPLATE = (
    "A reference call is a 30-minute video call with a bank that is choosing a payments "
    "platform.\nThey will ask how the migration went and what changed for your team.\n"
    "No preparation needed; nothing confidential."
)
NOTE = "Hi Ada,\nNordbank runs the same core system as you. Thank you & see you soon!\nMaya"


@pytest.fixture
def people(live_app, baseline):
    """An administrator, a manager, an advocate with a login and a request to ask them for."""
    with live_app.app_context():
        UserFactory(role="admin", email="admin@brief.example", name="Ari Admin")
        UserFactory(role="manager", email="manager@brief.example", name="Maya Manager")
        advocate, _ = advocate_with_login(name="Ada Lovelace", email="ada@brief.example")
        request = ReferenceRequestFactory(
            activity_type="reference_call",
            prospect_company="Nordbank",
            context="Nordbank is choosing between us and one rival.",
        )
        db.session.commit()
        ids = {"advocate": advocate.id, "request": request.id}
        db.session.remove()
    yield ids
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


def fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"


def test_template_and_note_reach_the_advocate(page, live_app, people, screenshot):
    findings: list[str] = []
    page.set_viewport_size({"width": 1280, "height": 900})

    # The administrator finds the page in the settings and rewrites the reference call's text.
    sign_in(page, "admin@brief.example", PASSWORD)
    page.goto("/admin/settings/")
    page.get_by_role("link", name="Ask templates").click()
    expect(page.get_by_role("heading", name="Ask templates")).to_be_visible()
    findings += serious_violations(page)
    call = page.get_by_label("Reference call", exact=True)
    expect(call).to_have_value(re.compile("^A reference call is a short phone or video call"))
    call.fill("A <b>bold</b> call")
    page.get_by_role("button", name="Save ask templates").click()
    expect(page.locator("#reference_call-error")).to_contain_text("without HTML tags")
    findings += serious_violations(page)
    page.get_by_label("Reference call", exact=True).fill(TEMPLATE)
    page.get_by_role("button", name="Save ask templates").click()
    expect(page.get_by_role("alert")).to_contain_text("1 ask template(s) changed")
    expect(page.locator("#reference_call-shipped")).to_be_attached()  # the shipped text, to copy
    findings += serious_violations(page)
    screenshot("ask-templates")
    fits_a_phone(page)
    findings += serious_violations(page)
    with live_app.app_context():
        assert ask_templates.template_text("reference_call") == TEMPLATE
        db.session.remove()

    # The manager asks the advocate with a note.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "manager@brief.example", PASSWORD)
    page.goto(f"/program/requests/{people['request']}")
    page.get_by_text("What the advocates read first").click()
    expect(page.locator("#ask-template-preview")).to_contain_text("30-minute video call")
    page.get_by_label("Ada Lovelace").check()
    page.get_by_label("A note to the advocates (optional)").fill(NOTE)
    findings += serious_violations(page)
    page.get_by_role("button", name="Ask the ticked advocates").click()
    expect(page.get_by_role("alert").first).to_contain_text("Asked Ada Lovelace")
    expect(page.locator(".ask-personal-note")).to_contain_text("Nordbank runs the same core")
    with live_app.app_context():
        ask = db.session.scalars(sa.select(Ask).where(Ask.advocate_id == people["advocate"])).one()
        assert ask.personal_note == NOTE
        ask_id = ask.id
        db.session.remove()

    # The advocate reads the template, then the note, before answering.
    page.context.clear_cookies()
    sign_in(page, "ada@brief.example", PASSWORD)
    page.goto(f"/me/asks/{ask_id}")
    brief = page.locator("#ask-brief")
    expect(brief.get_by_role("heading", name="What this involves")).to_be_visible()
    expect(brief).to_contain_text("They will ask how the migration went")
    expect(brief.locator("#ask-note figcaption")).to_have_text("A note from Maya Manager")
    expect(brief.locator("blockquote")).to_have_text(NOTE)  # line breaks kept, & as written
    findings += serious_violations(page)
    screenshot("ask-brief")
    fits_a_phone(page)
    findings += serious_violations(page)
    screenshot("ask-brief-phone")
    assert findings == []
