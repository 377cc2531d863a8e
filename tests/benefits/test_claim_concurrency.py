"""Program rule 3 under concurrency, and random sequences of claims and decisions."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.benefits.capacity import PLACE_STATUSES, places_taken
from portal.benefits.claims import (
    approve_claim,
    cancel_claim,
    claim_benefit,
    decline_claim,
    waitlist_position,
)
from portal.benefits.ledger import balance, claim_holding
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
                made = claim_benefit(user, target, advocate, {})
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
    assert [waitlist_position(c) for c in waiting] == list(range(1, CLAIMANTS - 4))
    total = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.delta)))
    assert total == CLAIMANTS * 100 - 5 * 30
    for claim in claims:
        expected = 70 if claim.status == "approved" else 100
        assert balance(claim.advocate_id) == expected


def _check_invariants(db, benefits, advocates):
    for benefit in benefits:
        taken = places_taken(benefit.id)
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
                assert balance(claim.advocate_id) < benefit.points_cost
    for advocate in advocates:
        entries = db.session.scalars(
            sa.select(LedgerEntry.delta).where(LedgerEntry.advocate_id == advocate.id)
        ).all()
        assert balance(advocate.id) == sum(entries)
        assert balance(advocate.id) >= 0
    for claim in db.session.scalars(sa.select(Claim)):
        held = claim_holding(claim.id)
        if claim.status in PLACE_STATUSES:
            assert held == claim.benefit.points_cost
        else:
            assert held == 0


ACTIONS = ("claim", "claim", "cancel", "approve", "decline", "complete")
PROGRAMS = st.fixed_dictionaries(
    {
        "benefits": st.lists(
            st.tuples(
                st.sampled_from([1, 2, 3, None]),  # capacity (None: unlimited)
                st.sampled_from([0, 20, 50]),  # points cost
                st.booleans(),  # requires approval
            ),
            min_size=1,
            max_size=3,
        ),
        "starting_points": st.lists(st.sampled_from([0, 30, 60]), min_size=2, max_size=5),
        "steps": st.lists(
            st.tuples(
                st.sampled_from(ACTIONS),
                st.integers(0, 4),  # which advocate
                st.integers(0, 2),  # which benefit
                st.integers(0, 1000),  # which claim
            ),
            max_size=40,
        ),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=PROGRAMS)
def test_random_sequences_keep_capacity_and_balances(db, program):
    """Property: whatever claims, cancels, approvals, declines and completions happen, places
    never exceed capacity, balances equal their entries and never go below zero."""
    from portal.asks import completion
    from tests.factories import AskFactory

    manager = UserFactory(role="manager")
    benefits = [
        BenefitFactory(kind="training", capacity=capacity, points_cost=cost, requires_approval=ok)
        for capacity, cost, ok in program["benefits"]
    ]
    people = [advocate_with_login() for _ in program["starting_points"]]
    for (advocate, _), points in zip(people, program["starting_points"], strict=True):
        LedgerEntryFactory(advocate=advocate, delta=points, reason="adjustment")
    advocates = [a for a, _ in people]
    for action, who, which, pick in program["steps"]:
        advocate, user = people[who % len(people)]
        benefit = benefits[which % len(benefits)]
        claims = db.session.scalars(sa.select(Claim).order_by(Claim.id)).all()
        try:
            if action == "claim":
                claim_benefit(user, benefit, advocate, {})
            elif action == "complete":
                ask = AskFactory(advocate=advocate, status="accepted")
                completion.complete_ask(manager, ask)
            elif claims:
                claim = claims[pick % len(claims)]
                if action == "cancel":
                    cancel_claim(manager, claim)
                elif action == "approve":
                    approve_claim(manager, claim)
                else:
                    decline_claim(manager, claim)
        except DomainError:
            pass  # refused with a reason; it wrote nothing before refusing
        db.session.flush()
        _check_invariants(db, benefits, advocates)
    db.session.rollback()
