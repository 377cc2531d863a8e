"""The value exchange in a real browser: the demo advocate claims a speaking slot with a talk
title, the manager approves it, and the advocate sees it approved and the points spent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.advocates.models import Advocate
from portal.benefits.ledger import balance
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.extensions import db
from tests.browser.test_smoke import serious_violations, sign_in

pytestmark = pytest.mark.browser

ADVOCATE = "advocate@demo.example"
MANAGER = "manager@demo.example"
TITLE = "Speak at the Payments Meetup"
COST = 60


def open_speaking_slot(live_app) -> tuple[int, int]:
    """A speaking slot that needs approval, and enough points for the demo advocate to claim
    it; the advocate's balance before claiming."""
    with live_app.app_context():
        advocate = db.session.scalar(sa.select(Advocate).where(Advocate.email == ADVOCATE))
        today = dt.date.today()
        db.session.add(
            Benefit(
                kind="speaking_slot",
                title=TITLE,
                description="Twenty minutes on stage in front of 200 payments people.",
                event_date=today + dt.timedelta(days=40),
                location="Berlin",
                capacity=3,
                points_cost=COST,
                claim_deadline=today + dt.timedelta(days=30),
                requires_approval=True,
                status="open",
            )
        )
        if balance(advocate.id) < COST:
            db.session.add(
                LedgerEntry(advocate_id=advocate.id, delta=COST, reason="adjustment", memo="Test")
            )
        db.session.commit()
        before = balance(advocate.id)
        advocate_id = advocate.id
        db.session.remove()
    return advocate_id, before


def claim_state(live_app, advocate_id: int) -> tuple[str, int]:
    with live_app.app_context():
        status = db.session.scalar(
            sa.select(Claim.status)
            .join(Benefit)
            .where(Claim.advocate_id == advocate_id, Benefit.title == TITLE)
        )
        points = balance(advocate_id)
        db.session.remove()
    return status, points


def test_advocate_claims_a_speaking_slot_and_the_manager_approves_it(
    page, live_app, demo_program, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    advocate_id, before = open_speaking_slot(live_app)

    # The advocate finds the slot in the catalog and claims it with a talk title and abstract.
    sign_in(page, ADVOCATE)
    page.goto("/benefits/")
    expect(page.get_by_role("heading", name="Benefits", exact=True)).to_be_visible()
    card = page.get_by_role("article").filter(has_text=TITLE)
    expect(card).to_contain_text("You may claim this")
    assert serious_violations(page) == []
    screenshot("benefits-catalog")
    card.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_label("Talk title").fill("Moving 3bn payments without a minute of downtime")
    page.get_by_label("Abstract").fill("What we learnt migrating our payment rails in 2025.")
    page.get_by_role("button", name=f"Claim for {COST} points").click()
    expect(page.get_by_role("heading", name="Your claims")).to_be_visible()
    mine = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(mine).to_contain_text("Requested")
    assert claim_state(live_app, advocate_id) == ("requested", before - COST)  # held

    # The manager approves it on the claims page.
    page.context.clear_cookies()
    sign_in(page, MANAGER)
    page.goto("/program/benefits/claims")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    row.get_by_label("Note").first.fill("See you in Berlin")
    row.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Approved")
    assert claim_state(live_app, advocate_id) == ("approved", before - COST)  # spent

    # The advocate sees it approved, the note, and the points gone from the balance.
    page.context.clear_cookies()
    sign_in(page, ADVOCATE)
    page.goto("/benefits/claims")
    mine = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(mine).to_contain_text("Approved")
    expect(mine).to_contain_text("See you in Berlin")
    expect(page.get_by_text(re.compile(rf"You have {before - COST} points"))).to_be_visible()
    assert serious_violations(page) == []
    screenshot("benefits-claims")
    page.goto("/benefits/points")
    expect(page.get_by_text(f"{before - COST} points").first).to_be_visible()
