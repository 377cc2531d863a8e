"""Claims, capacity, waitlists and every ledger path, with the balance checked after each."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.benefits.catalog import catalog, create_benefit, offer, update_benefit
from portal.benefits.claims import (
    approve_claim,
    cancel_claim,
    claim_benefit,
    decline_claim,
    get_claim,
    waitlist_position,
)
from portal.benefits.eligibility import completed_activities
from portal.benefits.ledger import adjust_points, balance, claim_holding, ledger_query
from portal.benefits.models import Claim, LedgerEntry
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from tests.factories import (
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    UserFactory,
    advocate_with_login,
)


def funded(points=500, **kwargs):
    advocate, user = advocate_with_login(**kwargs)
    if points:
        LedgerEntryFactory(advocate=advocate, delta=points, reason="adjustment", memo="start")
    return advocate, user


def entries(advocate_id):
    return balance(advocate_id), sum(
        e.delta for e in _db.session.scalars(ledger_query(advocate_id))
    )


def test_claim_without_approval_holds_then_spends_the_cost(db):
    benefit = BenefitFactory(points_cost=150, capacity=2)
    advocate, user = funded(500)
    claim = claim_benefit(user, benefit, advocate, {"talk_title": "T", "abstract": "A"})
    assert claim.status == "approved"
    assert balance(advocate.id) == 350
    assert claim_holding(claim.id) == 150
    assert claim.details == {"talk_title": "T", "abstract": "A"}


def test_claim_with_approval_holds_and_approval_writes_nothing_more(db):
    manager = UserFactory(role="manager")
    benefit = BenefitFactory(kind="user_group", points_cost=100, requires_approval=True)
    advocate, user = funded(300)
    claim = claim_benefit(user, benefit, advocate, {})
    assert claim.status == "requested"
    assert balance(advocate.id) == 200
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    approve_claim(manager, claim, "See you there")
    assert claim.status == "approved" and claim.decision_note == "See you there"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == before
    assert balance(advocate.id) == 200
    assert db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "claim_decided")
    )


def test_decline_refunds_the_hold(db):
    manager = UserFactory(role="manager")
    benefit = BenefitFactory(kind="training", points_cost=100, requires_approval=True)
    advocate, user = funded(100)
    claim = claim_benefit(user, benefit, advocate, {})
    assert balance(advocate.id) == 0
    decline_claim(manager, claim, "Full of staff")
    assert claim.status == "declined"
    assert balance(advocate.id) == 100
    refund = db.session.scalars(
        sa.select(LedgerEntry).where(
            LedgerEntry.claim_id == claim.id, LedgerEntry.reason == "refund"
        )
    ).one()
    assert refund.delta == 100


def test_cancel_of_an_approved_claim_refunds_the_spend_and_promotes_the_first_waiting(db):
    benefit = BenefitFactory(kind="conference_pass", points_cost=50, capacity=1)
    first, first_user = funded(100)
    second, second_user = funded(100)
    third, third_user = funded(100)
    held = claim_benefit(first_user, benefit, first, {})
    waiting = claim_benefit(second_user, benefit, second, {})
    later = claim_benefit(third_user, benefit, third, {})
    assert [held.status, waiting.status, later.status] == ["approved", "waitlisted", "waitlisted"]
    assert balance(second.id) == 100  # waiting holds nothing
    assert waitlist_position(waiting) == 1 and waitlist_position(later) == 2
    cancel_claim(first_user, held)
    assert held.status == "cancelled"
    assert balance(first.id) == 100
    assert waiting.status == "approved" and later.status == "waitlisted"
    assert balance(second.id) == 50
    assert waitlist_position(later) == 1
    told = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "claim_promoted")
    ).all()
    assert [m.recipient for m in told] == [second.email]


def test_promotion_skips_a_waiting_advocate_who_cannot_afford_it_now(db):
    manager = UserFactory(role="manager")
    benefit = BenefitFactory(kind="early_access", points_cost=80, capacity=1)
    a, a_user = funded(80)
    b, b_user = funded(80)
    c, c_user = funded(80)
    held = claim_benefit(a_user, benefit, a, {})
    b_claim = claim_benefit(b_user, benefit, b, {})
    c_claim = claim_benefit(c_user, benefit, c, {})
    adjust_points(manager, b, -50, "Correction")
    cancel_claim(manager, held)
    assert b_claim.status == "waitlisted"
    assert c_claim.status == "approved"


def test_adjustment_needs_a_memo_and_never_drives_the_balance_below_zero(db):
    manager = UserFactory(role="manager")
    advocate, _ = funded(40)
    with pytest.raises(ValidationFailed) as error:
        adjust_points(manager, advocate, 10, "")
    assert "memo" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        adjust_points(manager, advocate, -41, "Too much")
    assert "delta" in error.value.fields
    entry = adjust_points(manager, advocate, 25, "Thanks for the webinar")
    assert balance(advocate.id) == 65
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "ledger.adjusted").order_by(AuditEvent.id)
    ).one()
    assert audit.entity_id == entry.id


def test_earned_points_from_a_completed_ask_count_in_the_balance(db):
    from portal.asks import completion

    manager = UserFactory(role="manager")
    advocate, _ = funded(0)
    ask = AskFactory(advocate=advocate, status="accepted")
    completion.complete_ask(manager, ask)
    assert balance(advocate.id) == 50  # a reference call by the default settings
    assert completed_activities(advocate.id) == 1


def test_too_few_points_is_refused_in_words_and_nothing_is_written(db):
    benefit = BenefitFactory(points_cost=150)
    advocate, user = funded(90)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        claim_benefit(user, benefit, advocate, {"talk_title": "T", "abstract": "A"})
    assert "needs 150 points, you have 90" in error.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0
    assert balance(advocate.id) == 90


def test_claiming_twice_is_refused(db):
    benefit = BenefitFactory(kind="training")
    advocate, user = funded(0)
    claim_benefit(user, benefit, advocate, {})
    with pytest.raises(DomainError, match="claimed this already"):
        claim_benefit(user, benefit, advocate, {})


def test_claiming_after_the_deadline_is_refused_with_the_date(db):
    benefit = BenefitFactory(kind="training", claim_deadline=dt.date(2020, 3, 3))
    advocate, user = funded(0)
    with pytest.raises(DomainError, match="closed on 3 March 2020"):
        claim_benefit(user, benefit, advocate, {})


def test_speaking_slot_claim_needs_a_talk_title_and_abstract(db):
    benefit = BenefitFactory(kind="speaking_slot")
    advocate, user = funded(0)
    with pytest.raises(ValidationFailed) as error:
        claim_benefit(user, benefit, advocate, {"talk_title": ""})
    assert set(error.value.fields) == {"talk_title", "abstract"}


def test_advisory_board_claim_needs_a_statement(db):
    benefit = BenefitFactory(kind="advisory_board")
    advocate, user = funded(0)
    with pytest.raises(ValidationFailed) as error:
        claim_benefit(user, benefit, advocate, {})
    assert set(error.value.fields) == {"statement"}


def test_eligibility_by_completed_activities_and_by_chosen_list(db):
    manager = UserFactory(role="manager")
    advocate, user = funded(0)
    other, _ = funded(0)
    veterans = create_benefit(
        manager,
        {
            "kind": "user_group",
            "title": "Veterans",
            "eligibility": "min_completed",
            "min_completed": 2,
        },
    )
    chosen = create_benefit(
        manager,
        {
            "kind": "advisory_board",
            "title": "Board",
            "eligibility": "chosen",
            "allowed_advocate_ids": [other.id],
        },
    )
    assert offer(advocate, veterans).reason == (
        "for advocates with 2 completed activities; you have 0"
    )
    assert offer(advocate, chosen).reason == "by invitation only"
    with pytest.raises(DomainError, match="by invitation only"):
        claim_benefit(user, chosen, advocate, {"statement": "Me"})
    AskFactory(advocate=advocate, status="completed")
    AskFactory(advocate=advocate, status="completed")
    assert offer(advocate, veterans).may_claim


def test_catalog_says_why_not(db):
    advocate, _ = funded(90)
    BenefitFactory(title="Costly", kind="training", points_cost=150)
    full = BenefitFactory(title="Full", kind="training", capacity=0)
    BenefitFactory(title="Late", kind="training", claim_deadline=dt.date(2020, 3, 3))
    _page, offers = catalog(advocate)
    reasons = {o.benefit.title: o.reason for o in offers}
    assert reasons["Costly"] == "needs 150 points, you have 90"
    assert reasons["Full"] == "full, join the waitlist"
    assert reasons["Late"] == "closed on 3 March 2020"
    assert offer(advocate, full).may_claim and offer(advocate, full).waitlist


def test_bad_catalog_input_is_refused_per_field(db):
    manager = UserFactory(role="manager")
    with pytest.raises(ValidationFailed) as error:
        create_benefit(
            manager,
            {
                "kind": "speaking_slot",
                "title": "Summit",
                "points_cost": -1,
                "event_date": "2026-05-01",
                "claim_deadline": "2026-06-01",
            },
        )
    assert set(error.value.fields) == {"points_cost", "claim_deadline"}


def test_capacity_below_places_taken_is_refused(db):
    manager = UserFactory(role="manager")
    benefit = BenefitFactory(kind="training", capacity=3)
    for _ in range(2):
        advocate, user = funded(0)
        claim_benefit(user, benefit, advocate, {})
    with pytest.raises(ValidationFailed) as error:
        update_benefit(manager, benefit, {"capacity": 1})
    assert "2 places are taken" in error.value.fields["capacity"]


def test_more_capacity_promotes_the_waitlist_in_order(db):
    manager = UserFactory(role="manager")
    benefit = BenefitFactory(kind="training", capacity=1)
    claims = []
    for _ in range(4):
        advocate, user = funded(0)
        claims.append(claim_benefit(user, benefit, advocate, {}))
    update_benefit(manager, benefit, {"capacity": 3})
    assert [c.status for c in claims] == ["approved", "approved", "approved", "waitlisted"]


def test_advocate_cannot_see_or_cancel_another_advocates_claim(db):
    benefit = BenefitFactory(kind="training")
    owner, owner_user = funded(0)
    _, other_user = funded(0)
    claim = claim_benefit(owner_user, benefit, owner, {})
    with pytest.raises(NotFound):
        get_claim(other_user, claim.id)
    with pytest.raises(NotFound):
        cancel_claim(other_user, claim)
    assert claim.status == "approved"


def test_cancel_after_the_event_is_refused(db):
    benefit = BenefitFactory(kind="training", event_date=dt.date.today() + dt.timedelta(days=3))
    advocate, user = funded(0)
    claim = claim_benefit(user, benefit, advocate, {})
    benefit.event_date = dt.date(2020, 1, 1)
    with pytest.raises(DomainError, match="too late to cancel"):
        cancel_claim(user, claim)
