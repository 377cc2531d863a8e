"""The benefits pages: an advocate claims a speaking slot, the manager approves it."""

from __future__ import annotations

import sqlalchemy as sa

from portal.benefits.claims import claim_benefit
from portal.benefits.ledger import balance
from portal.benefits.models import Benefit, Claim
from tests.factories import BenefitFactory, LedgerEntryFactory, UserFactory, advocate_with_login


def test_advocate_claims_a_speaking_slot_and_the_manager_approves_it(client, auth, db):
    benefit = BenefitFactory(
        kind="speaking_slot", title="Summit keynote", points_cost=100, requires_approval=True
    )
    advocate, user = advocate_with_login()
    LedgerEntryFactory(advocate=advocate, delta=150, reason="adjustment")
    manager = UserFactory(role="manager")
    db.session.commit()

    auth.login(user.email)
    page = client.get("/benefits/").get_data(as_text=True)
    assert "Summit keynote" in page and "You may claim this" in page
    missing = client.post(f"/benefits/{benefit.id}/claim", data={"talk_title": ""})
    assert missing.status_code == 422
    assert "This field is required." in missing.get_data(as_text=True)
    done = client.post(
        f"/benefits/{benefit.id}/claim",
        data={"talk_title": "Payments at scale", "abstract": "How we moved 3bn."},
    )
    assert done.status_code == 302
    mine = client.get("/benefits/claims").get_data(as_text=True)
    assert "Summit keynote" in mine and "Requested" in mine
    auth.logout()

    auth.login(manager.email)
    claim = db.session.scalars(sa.select(Claim)).one()
    assert "Payments at scale" in client.get(f"/program/benefits/{benefit.id}").get_data(
        as_text=True
    )
    assert (
        client.post(
            f"/program/benefits/claims/{claim.id}/approve", data={"note": "Welcome"}
        ).status_code
        == 302
    )
    auth.logout()

    auth.login(user.email)
    mine = client.get("/benefits/claims").get_data(as_text=True)
    assert "Approved" in mine and "Welcome" in mine
    points = client.get("/benefits/points").get_data(as_text=True)
    assert "Balance: <strong>50 points</strong>" in points


def test_catalog_shows_why_an_advocate_may_not_claim(client, auth, db):
    BenefitFactory(kind="training", title="Costly course", points_cost=150)
    advocate, user = advocate_with_login()
    LedgerEntryFactory(advocate=advocate, delta=90, reason="adjustment")
    db.session.commit()
    auth.login(user.email)
    assert "needs 150 points, you have 90" in client.get("/benefits/").get_data(as_text=True)


def test_manager_adds_a_benefit_and_bad_input_is_shown_by_the_field(client, auth, db):
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)
    bad = client.post(
        "/program/benefits/new",
        data={
            "kind": "speaking_slot",
            "title": "Summit",
            "points_cost": "-5",
            "event_date": "2026-05-01",
            "claim_deadline": "2026-06-01",
            "eligibility": "everyone",
        },
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Must be at least 0." in body and "Must be on or before the event date." in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Benefit)) == 0
    good = client.post(
        "/program/benefits/new",
        data={
            "kind": "user_group",
            "title": "Berlin user group",
            "capacity": "20",
            "points_cost": "0",
            "eligibility": "everyone",
        },
    )
    assert good.status_code == 302
    assert db.session.scalars(sa.select(Benefit)).one().capacity == 20


def test_manager_adjusts_points_with_a_memo(client, auth, db):
    manager = UserFactory(role="manager")
    advocate, _ = advocate_with_login()
    db.session.commit()
    auth.login(manager.email)
    refused = client.post(f"/program/benefits/ledger/{advocate.id}", data={"delta": "30"})
    assert refused.status_code == 422
    assert (
        client.post(
            f"/program/benefits/ledger/{advocate.id}",
            data={"delta": "30", "memo": "Webinar thanks"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert balance(advocate.id) == 30


def test_advocate_cannot_cancel_another_advocates_claim_page(client, auth, db):
    benefit = BenefitFactory(kind="training")
    owner, owner_user = advocate_with_login()
    _, other_user = advocate_with_login()
    claim = claim_benefit(owner_user, benefit, owner, {})
    db.session.commit()
    auth.login(other_user.email)
    assert client.post(f"/benefits/claims/{claim.id}/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == "approved"


def test_a_ledger_of_more_than_a_page_links_its_pages(client, auth, db):
    """The pages of one advocate's ledger link to that advocate's ledger (was a 500: the
    pagination links lost the advocate from the path)."""
    advocate, _user = advocate_with_login()
    for n in range(51):
        LedgerEntryFactory(advocate=advocate, delta=n + 1, reason="adjustment")
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)

    first = client.get(f"/program/benefits/ledger/{advocate.id}")
    assert first.status_code == 200
    assert f'href="/program/benefits/ledger/{advocate.id}?page=2"' in first.get_data(as_text=True)
    assert client.get(f"/program/benefits/ledger/{advocate.id}?page=2").status_code == 200
