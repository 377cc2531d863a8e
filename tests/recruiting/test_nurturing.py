"""Nurturing: touchpoints, follow-ups and their daily digest, the health summary and flags;
customer success's referenceability and participation."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.benefits.models import Claim
from portal.database import now_utc
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.reminders import REMINDERS
from portal.recruiting import nurturing, referenceability
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, BenefitFactory, UserFactory
from tests.queries import QueryCounter


def test_a_touchpoint_in_the_future_is_refused(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory()
    later = (now_utc() + dt.timedelta(hours=2)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        nurturing.log_touchpoint(
            manager, advocate, {"kind": "call", "summary": "x", "occurred_at": later}
        )
    assert "future" in refused.value.fields["occurred_at"]


def test_a_touchpoint_needs_a_known_kind_and_a_summary(db):
    manager = UserFactory(role="manager")
    with pytest.raises(ValidationFailed) as refused:
        nurturing.log_touchpoint(manager, AdvocateFactory(), {"kind": "fax", "summary": ""})
    assert set(refused.value.fields) == {"kind", "summary"}


def test_only_the_program_team_logs_touchpoints(db):
    with pytest.raises(Forbidden):
        nurturing.log_touchpoint(
            UserFactory(role="csm"), AdvocateFactory(), {"kind": "call", "summary": "x"}
        )


def test_follow_ups_due_are_per_manager_and_leave_when_done(db):
    mia, max_ = UserFactory(role="manager"), UserFactory(role="manager")
    advocate = AdvocateFactory()
    today = dt.date(2026, 11, 30)
    noon = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    due = nurturing.log_touchpoint(
        mia,
        advocate,
        {"kind": "call", "summary": "Renewal chat", "follow_up_on": "2026-11-29"},
        now=noon,
    )
    nurturing.log_touchpoint(
        mia, advocate, {"kind": "email", "summary": "Later", "follow_up_on": "2026-12-05"}, now=noon
    )
    nurturing.log_touchpoint(
        max_, advocate, {"kind": "gift", "summary": "Mug", "follow_up_on": "2026-11-25"}, now=noon
    )
    assert nurturing.follow_ups_due(mia, today) == [due]
    nurturing.complete_follow_up(mia, due)
    assert nurturing.follow_ups_due(mia, today) == []
    assert len(nurturing.follow_ups_due(max_, today)) == 1


def test_the_follow_up_digest_is_written_once_per_manager_and_day(db):
    mia = UserFactory(role="manager")
    advocate = AdvocateFactory(name="Ada Advocate")
    noon = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    for n in range(2):
        nurturing.log_touchpoint(
            mia,
            advocate,
            {"kind": "call", "summary": f"Call {n}", "follow_up_on": "2026-11-25"},
            now=noon,
        )
    digest = REMINDERS["recruiting.follow_ups"]
    assert digest(dt.datetime(2026, 11, 24, 7, tzinfo=dt.UTC)) == 0  # nothing due yet
    assert digest(dt.datetime(2026, 11, 25, 7, tzinfo=dt.UTC)) == 1
    assert digest(dt.datetime(2026, 11, 25, 18, tzinfo=dt.UTC)) == 0  # once a day
    assert digest(dt.datetime(2026, 11, 26, 7, tzinfo=dt.UTC)) == 1  # still due the next day
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    assert message.recipient == mia.email
    assert message.subject == "2 follow-ups due"
    assert "Ada Advocate" in message.body_text
    assert message.dedupe_key == f"follow-ups-due:{mia.id}:2026-11-25"


def _ask(advocate, status, days_ago, reason=None, now=None):
    now = now or now_utc()
    at = now - dt.timedelta(days=days_ago)
    return AskFactory(
        advocate=advocate,
        status=status,
        asked_at=at,
        responded_at=at + dt.timedelta(hours=1) if status != "pending" else None,
        decline_reason=reason,
    )


def test_health_counts_asks_rates_touches_and_benefits(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(max_per_month=10, max_per_quarter=20, max_per_year=50)
    _ask(advocate, "completed", 200)
    _ask(advocate, "accepted", 60)
    _ask(advocate, "declined", 30, reason="topic")
    _ask(advocate, "withdrawn", 10)
    db.session.add(
        Claim(benefit=BenefitFactory(), advocate=advocate, status="fulfilled", details={})
    )
    db.session.add(
        Claim(benefit=BenefitFactory(), advocate=advocate, status="cancelled", details={})
    )
    nurturing.log_touchpoint(manager, advocate, {"kind": "thank_you", "summary": "Card"})
    health = nurturing.health_of(advocate)
    assert health.asks_90d == 2  # accepted and declined; the withdrawn one never reached them
    assert (health.accepted, health.declined, health.answered) == (2, 1, 3)
    assert health.accept_rate == pytest.approx(2 / 3)
    assert health.benefits == 1
    assert health.last_touch is not None
    assert health.burnout == [] and health.underused == []


def test_burnout_flag_near_the_limit_and_for_too_busy_declines(db):
    advocate = AdvocateFactory(max_per_month=2, max_per_quarter=10, max_per_year=40)
    now = now_utc()
    _ask(advocate, "accepted", 0, now=now)
    health = nurturing.health_of(advocate, now)
    assert any("near the monthly limit (1 of 2)" in r for r in health.burnout)
    _ask(advocate, "declined", 0, reason="too_busy", now=now)
    health = nurturing.health_of(advocate, now)
    assert any("too busy" in r for r in health.burnout)


def test_burnout_flag_at_the_limit(db):
    advocate = AdvocateFactory(max_per_month=1, max_per_quarter=10, max_per_year=40)
    _ask(advocate, "completed", 0)
    assert any("at the monthly limit (1 of 1)" in r for r in nurturing.health_of(advocate).burnout)


def test_underused_flag_for_active_opted_in_advocates_never_or_rarely_asked(db):
    never = AdvocateFactory(status="active", activity_types=["reference_call"])
    assert nurturing.health_of(never).underused == ["active and opted in, but never asked"]
    rarely = AdvocateFactory(status="active", activity_types=["reference_call"])
    _ask(rarely, "completed", 100)
    assert "asked 1 time in the last 180 days" in nurturing.health_of(rarely).underused[0]
    not_opted = AdvocateFactory(status="active", activity_types=[])
    assert nurturing.health_of(not_opted).underused == []
    paused = AdvocateFactory(status="paused", activity_types=["quote"])
    assert nurturing.health_of(paused).underused == []
    busy = AdvocateFactory(status="active", activity_types=["quote"])
    _ask(busy, "completed", 100)
    _ask(busy, "completed", 20)
    assert nurturing.health_of(busy).underused == []


def test_a_csm_rates_own_accounts_only(db):
    csm = UserFactory(role="csm")
    own = AccountFactory(csm=csm)
    other = AccountFactory()
    row = referenceability.set_referenceability(
        csm,
        own,
        {"status": "referenceable", "reason": "Live since May", "health": "healthy", "nps": 60},
    )
    assert (row.status, row.health, row.nps) == ("referenceable", "healthy", 60)
    with pytest.raises(Forbidden):
        referenceability.set_referenceability(csm, other, {"status": "not_now", "reason": "x"})
    with pytest.raises(NotFound):
        referenceability.get_own_account(csm, other.id)
    with pytest.raises(ValidationFailed) as refused:
        referenceability.set_referenceability(
            csm, own, {"status": "maybe", "reason": "", "nps": 101}
        )
    assert set(refused.value.fields) == {"status", "reason", "nps"}


def test_participation_of_own_accounts_in_a_fixed_number_of_queries(db):
    csm = UserFactory(role="csm")
    mine = [AccountFactory(csm=csm) for _ in range(3)]
    AccountFactory()  # someone else's
    for account in mine:
        advocate = AdvocateFactory(account=account)
        _ask(advocate, "completed", 5)
        _ask(advocate, "declined", 3)
        db.session.add(
            Claim(benefit=BenefitFactory(), advocate=advocate, status="approved", details={})
        )
    db.session.flush()
    with QueryCounter(_db.engine) as queries:
        rows = referenceability.participation(csm)
    assert [r.account for r in rows] == sorted(mine, key=lambda a: (a.name, a.id))
    assert all(r.asks == {"completed": 1, "declined": 1} and r.benefits == 1 for r in rows)
    assert queries.count <= 6
