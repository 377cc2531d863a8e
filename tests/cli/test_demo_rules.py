"""The seeded demo program obeys the five program rules of DESIGN.md, checked with the
services' own rule functions: what a demo shows is what the product allows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa

from portal.asks import matching
from portal.asks.overuse import (
    LIVE_ASK_STATUSES,
    account_caps,
    effective_limits,
    has_current_consent,
    usage,
    window_starts,
    zone_of,
)
from portal.benefits.capacity import PLACE_STATUSES, approvable, places_taken, waiting_count
from portal.benefits.ledger import balance, claim_holding
from portal.models import (
    Account,
    Advocate,
    Ask,
    AuditEvent,
    Benefit,
    Blackout,
    Claim,
    LedgerEntry,
    ReferenceRequest,
)
from portal.program.service import get_setting
from portal.vocab import ASK_STATUSES, CLAIM_STATUSES, DECLINE_REASONS

OPEN = ("pending", "accepted")


# The default size, as people see it, and a small program where places run out sooner.
@pytest.fixture(params=[(), ("--advocates", "60")], ids=["default", "60-advocates"])
def seeded(db, runner, request):
    result = runner.invoke(args=["seed-demo", *request.param])
    assert result.exit_code == 0, result.output
    return result


def live_asks(db) -> dict[Advocate, list[Ask]]:
    found = defaultdict(list)
    for ask in db.session.scalars(sa.select(Ask).where(Ask.status.in_(LIVE_ASK_STATUSES))):
        found[ask.advocate].append(ask)
    return found


def test_rule_1_no_advocate_is_over_a_limit_or_the_cooldown(db, seeded):
    live = live_asks(db)
    assert live
    for advocate, asks in live.items():
        limits = effective_limits(advocate)
        zone = zone_of(advocate)
        days = sorted(a.asked_at.astimezone(zone).date() for a in asks)
        by_month = Counter((d.year, d.month) for d in days)
        by_quarter = Counter((d.year, (d.month - 1) // 3) for d in days)
        by_year = Counter(d.year for d in days)
        assert max(by_month.values()) <= limits.per_month, advocate.email
        assert max(by_quarter.values()) <= limits.per_quarter, advocate.email
        assert max(by_year.values()) <= limits.per_year, advocate.email
        for earlier, later in zip(days, days[1:], strict=False):
            assert (later - earlier).days >= limits.min_days_between, advocate.email
        now = usage(advocate)
        assert now.month <= limits.per_month and now.quarter <= limits.per_quarter
        assert now.year <= limits.per_year


def test_rule_1_open_asks_go_only_to_askable_advocates(db, seeded):
    open_asks = db.session.scalars(sa.select(Ask).where(Ask.status.in_(OPEN))).all()
    assert open_asks
    for ask in open_asks:
        advocate = ask.advocate
        account = db.session.get(Account, advocate.account_id)
        who = f"ask {ask.id} to {advocate.email}"
        assert advocate.status == "active", who
        assert has_current_consent(advocate), who
        assert account.status == "active", who
        assert ask.request.activity_type in (advocate.activity_types or []), who
        asked_on = ask.asked_at.astimezone(zone_of(advocate)).date()
        covering = db.session.scalars(
            sa.select(Blackout).where(
                Blackout.advocate_id == advocate.id,
                Blackout.start <= asked_on,
                Blackout.end >= asked_on,
            )
        ).all()
        assert covering == [], who


def test_rule_2_matches_of_open_requests_are_askable_and_explained(db, seeded):
    requests = db.session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.status.in_(("submitted", "in_progress")))
        .order_by(ReferenceRequest.id)
        .limit(3)
    ).all()
    assert requests
    seen = 0
    for request in requests:
        for found in matching.match(request, 10).matches:
            seen += 1
            assert found.reasons and found.score is not None
            assert found.advocate.status == "active"
            assert has_current_consent(found.advocate)
    assert seen


def test_rule_3_no_benefit_holds_more_places_than_its_capacity(db, seeded):
    benefits_ = db.session.scalars(sa.select(Benefit)).all()
    assert benefits_
    for benefit in benefits_:
        if benefit.capacity is None:
            continue
        assert places_taken(benefit.id) <= benefit.capacity, benefit.title
        waiting = waiting_count(benefit.id)
        if waiting:  # only a full benefit keeps a waiting list
            assert places_taken(benefit.id) == benefit.capacity, benefit.title
    for claim in db.session.scalars(sa.select(Claim).where(Claim.status == "requested")):
        assert approvable(claim), claim.id


def test_rule_4_balances_are_ledger_sums_and_never_negative(db, seeded):
    points = get_setting("points_by_activity")
    sums = dict(
        db.session.execute(
            sa.select(LedgerEntry.advocate_id, sa.func.sum(LedgerEntry.delta)).group_by(
                LedgerEntry.advocate_id
            )
        ).all()
    )
    assert sums
    for advocate_id, total in sums.items():
        assert balance(advocate_id) == total >= 0, advocate_id
    for claim in db.session.scalars(sa.select(Claim)):
        # As the service does: a claim holding a place holds its cost; waiting ones hold nothing.
        held = claim.status in PLACE_STATUSES
        cost = claim.benefit.points_cost if held else 0
        assert claim_holding(claim.id) == cost, claim.id
    for ask in db.session.scalars(sa.select(Ask).where(Ask.status == "completed")):
        earned = db.session.scalar(
            sa.select(sa.func.sum(LedgerEntry.delta)).where(LedgerEntry.ask_id == ask.id)
        )
        assert earned == points[ask.request.activity_type], ask.id


def test_rule_5_every_row_holds_valid_values_and_the_seed_is_audited(db, seeded):
    for ask in db.session.scalars(sa.select(Ask)):
        assert ask.status in ASK_STATUSES
        if ask.status == "declined":
            assert ask.decline_reason in DECLINE_REASONS, ask.id
    assert {c.status for c in db.session.scalars(sa.select(Claim))} <= set(CLAIM_STATUSES)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "program.seeded").order_by(AuditEvent.id)
    )
    assert event is not None and event.data["asks"] == db.session.scalar(
        sa.select(sa.func.count()).select_from(Ask)
    )


def test_rule_1_no_account_is_over_the_account_caps(db, seeded):
    """As `refusals` counts: when each live ask was placed, its account's earlier live asks in
    that calendar month and quarter (the asked advocate's zone) were below the account caps."""
    caps = account_caps()
    by_account = defaultdict(list)
    for advocate, asks in live_asks(db).items():
        by_account[advocate.account_id].extend((a.asked_at, zone_of(advocate)) for a in asks)
    for account_id, asks in by_account.items():
        for at, zone in asks:
            windows = window_starts(at.astimezone(zone).date())
            for period in ("month", "quarter"):
                if caps[period] is None:
                    continue
                first = dt.datetime.combine(windows[period][0], dt.time(), zone)
                before = sum(first <= other < at for other, _ in asks)
                assert before < caps[period], (account_id, period, at)
