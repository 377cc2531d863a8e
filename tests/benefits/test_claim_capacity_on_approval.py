"""Program rule 3 when deciding: approving a claim re-checks capacity under the claim lock."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.benefits.claims import approve_claim, approve_claims
from portal.benefits.models import Claim
from portal.errors import DomainError
from tests.factories import AdvocateFactory, BenefitFactory, UserFactory


def _requested_claims(benefit, n):
    """Requested claims written straight to the table, as old demo data or imports left them."""
    from portal.extensions import db

    db.session.flush()
    claims = []
    for _ in range(n):
        advocate = AdvocateFactory()
        db.session.flush()
        claim = Claim(
            benefit_id=benefit.id, advocate_id=advocate.id, status="requested", details={}
        )
        db.session.add(claim)
        claims.append(claim)
    db.session.flush()
    return claims


def test_approving_past_capacity_is_refused_and_the_claim_stays_requested(db):
    benefit = BenefitFactory(capacity=2, requires_approval=True)
    manager = UserFactory(role="manager")
    claims = _requested_claims(benefit, 4)
    db.session.commit()

    approve_claim(manager, claims[0])
    approve_claim(manager, claims[1])
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        approve_claim(manager, claims[2])
    db.session.rollback()
    assert refused.value.message == (
        "All 2 places are taken: the claim stays requested (or: move it to the waiting list)."
    )
    db.session.expire_all()
    statuses = [db.session.get(Claim, c.id).status for c in claims]
    assert statuses == ["approved", "approved", "requested", "requested"]
    approved, why = approve_claims(manager, [claims[3].id])
    assert approved == [] and "All 2 places are taken" in why[claims[3].id]


def test_a_full_benefit_offers_no_approve_button(client, auth, db):
    benefit = BenefitFactory(capacity=1, requires_approval=True, title="Board seat")
    manager = UserFactory(role="manager")
    first, second = _requested_claims(benefit, 2)
    db.session.commit()
    auth.login(manager.email)

    page = client.get(f"/program/benefits/{benefit.id}").get_data(as_text=True)
    assert f"/program/benefits/claims/{first.id}/approve" in page
    assert f"/program/benefits/claims/{second.id}/approve" in page
    client.post(f"/program/benefits/claims/{first.id}/approve", data={"back": "detail"})
    page = client.get(f"/program/benefits/{benefit.id}").get_data(as_text=True)
    assert f"/program/benefits/claims/{second.id}/approve" not in page
    listing = client.get("/program/benefits/claims").get_data(as_text=True)
    assert f"/program/benefits/claims/{second.id}/approve" not in listing

    refused = client.post(
        f"/program/benefits/claims/{second.id}/approve",
        data={"back": "detail"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "All 1 place is taken: the claim stays requested" in refused
    db.session.expire_all()
    assert db.session.get(Claim, second.id).status == "requested"


def test_concurrent_approvals_never_fill_more_places_than_capacity(app, db):
    benefit = BenefitFactory(capacity=1, requires_approval=True)
    managers = [UserFactory(role="manager") for _ in range(4)]
    claims = _requested_claims(benefit, 4)
    db.session.commit()
    pairs = [(m.id, c.id) for m, c in zip(managers, claims, strict=True)]
    start = threading.Barrier(len(pairs))
    results, errors = [], []

    def approve(user_id, claim_id):
        with app.app_context():
            from portal.extensions import db as thread_db
            from portal.models import User

            start.wait(timeout=60)
            try:
                user = thread_db.session.get(User, user_id)
                approve_claim(user, thread_db.session.get(Claim, claim_id))
                thread_db.session.commit()
                results.append("approved")
            except DomainError as error:
                thread_db.session.rollback()
                results.append(error.message)
            except Exception as error:  # noqa: BLE001  (reported below)
                thread_db.session.rollback()
                errors.append(repr(error))
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert results.count("approved") == 1
    db.session.expire_all()
    approved = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Claim)
        .where(Claim.benefit_id == benefit.id, Claim.status == "approved")
    )
    assert approved == 1
