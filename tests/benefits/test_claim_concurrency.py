"""Program rule 3 under concurrency, and random sequences of claims and decisions."""

from __future__ import annotations

import random
import threading

import sqlalchemy as sa

from portal.benefits import service
from portal.benefits.models import Claim, LedgerEntry
from portal.errors import DomainError
from tests.factories import BenefitFactory, LedgerEntryFactory, UserFactory, advocate_with_login

CLAIMANTS = 40


def test_forty_concurrent_claims_on_capacity_five_give_five_places_and_35_waiting(app, db):
    benefit = BenefitFactory(kind="training", capacity=5, points_cost=30)
    people = []
    for _ in range(CLAIMANTS):
        advocate, user = advocate_with_login()
        LedgerEntryFactory(advocate=advocate, delta=100, reason="adjustment")
        people.append((advocate.id, user.id))
    db.session.commit()
    benefit_id = benefit.id
    start = threading.Barrier(CLAIMANTS)
    results, errors = [], []

    def claim(advocate_id, user_id):
        with app.app_context():
            from portal.extensions import db as thread_db
            from portal.models import Advocate, Benefit, User

            # Meet before touching the database: the pool has fewer connections than threads.
            start.wait(timeout=60)
            try:
                user = thread_db.session.get(User, user_id)
                advocate = thread_db.session.get(Advocate, advocate_id)
                target = thread_db.session.get(Benefit, benefit_id)
                made = service.claim_benefit(user, target, advocate, {})
                thread_db.session.commit()
                results.append(made.status)
            except Exception as error:  # noqa: BLE001  (reported below)
                thread_db.session.rollback()
                errors.append(repr(error))
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=claim, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(results).count("approved") == 5
    assert results.count("waitlisted") == CLAIMANTS - 5

    db.session.expire_all()
    claims = db.session.scalars(
        sa.select(Claim).where(Claim.benefit_id == benefit_id).order_by(Claim.id)
    ).all()
    assert len(claims) == CLAIMANTS
    # Places go to the first five claims written; the waitlist follows in the same order.
    assert [c.status for c in claims] == ["approved"] * 5 + ["waitlisted"] * (CLAIMANTS - 5)
    waiting = [c for c in claims if c.status == "waitlisted"]
    assert [service.waitlist_position(c) for c in waiting] == list(range(1, CLAIMANTS - 4))
    total = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.delta)))
    assert total == CLAIMANTS * 100 - 5 * 30
    for claim in claims:
        expected = 70 if claim.status == "approved" else 100
        assert service.balance(claim.advocate_id) == expected


def _check_invariants(db, benefits, advocates):
    for benefit in benefits:
        taken = service.places_taken(benefit.id)
        assert benefit.capacity is None or taken <= benefit.capacity
        waiting = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Claim)
            .where(Claim.benefit_id == benefit.id, Claim.status == "waitlisted")
        )
        # Nobody waits while a place is free, unless they can't afford it now.
        if waiting and benefit.capacity is not None and taken < benefit.capacity:
            for claim in db.session.scalars(
                sa.select(Claim).where(Claim.benefit_id == benefit.id, Claim.status == "waitlisted")
            ):
                assert service.balance(claim.advocate_id) < benefit.points_cost
    for advocate in advocates:
        entries = db.session.scalars(
            sa.select(LedgerEntry.delta).where(LedgerEntry.advocate_id == advocate.id)
        ).all()
        assert service.balance(advocate.id) == sum(entries)
        assert service.balance(advocate.id) >= 0
    for claim in db.session.scalars(sa.select(Claim)):
        held = service.claim_holding(claim.id)
        if claim.status in service.PLACE_STATUSES:
            assert held == claim.benefit.points_cost
        else:
            assert held == 0


def test_random_sequences_keep_capacity_and_balances(db):
    """A property test over seeded random sequences (hypothesis is not installed here)."""
    from portal.asks import service as asks
    from tests.factories import AskFactory

    manager = UserFactory(role="manager")
    for seed in range(6):
        rng = random.Random(seed)
        benefits = [
            BenefitFactory(
                kind="training",
                capacity=rng.choice([1, 2, 3, None]),
                points_cost=rng.choice([0, 20, 50]),
                requires_approval=rng.random() < 0.5,
            )
            for _ in range(3)
        ]
        people = [advocate_with_login() for _ in range(5)]
        for advocate, _ in people:
            LedgerEntryFactory(
                advocate=advocate, delta=rng.choice([0, 30, 60]), reason="adjustment"
            )
        advocates = [a for a, _ in people]
        for _ in range(60):
            action = rng.choice(["claim", "claim", "cancel", "approve", "decline", "complete"])
            advocate, user = rng.choice(people)
            benefit = rng.choice(benefits)
            claims = db.session.scalars(sa.select(Claim)).all()
            try:
                if action == "claim":
                    service.claim_benefit(user, benefit, advocate, {})
                elif action == "complete":
                    ask = AskFactory(advocate=advocate, status="accepted")
                    asks.complete_ask(manager, ask)
                elif claims:
                    claim = rng.choice(claims)
                    if action == "cancel":
                        service.cancel_claim(manager, claim)
                    elif action == "approve":
                        service.approve_claim(manager, claim)
                    else:
                        service.decline_claim(manager, claim)
            except DomainError:
                pass  # refused with a reason; it wrote nothing before refusing
            db.session.flush()
            _check_invariants(db, benefits, advocates)
        db.session.commit()
