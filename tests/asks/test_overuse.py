"""Program rule 1, window by window, with an injected clock, across month, quarter and year
boundaries and time zones."""

import datetime as dt

import pytest

from portal.advocates.models import Blackout
from portal.asks.overuse import (
    OveruseRefused,
    check_can_ask,
    effective_limits,
    free_from,
    refusals,
    usage,
)
from portal.program.service import set_setting
from tests.factories import AdvocateFactory, AskFactory

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def ask(advocate, when: str, status="pending"):
    return AskFactory(
        advocate=advocate,
        asked_at=at(when),
        respond_by=at(when) + dt.timedelta(days=5),
        status=status,
    )


def rules(advocate, when: str, activity="reference_call"):
    return [r.rule for r in refusals(advocate, activity, at(when))]


@pytest.fixture
def advocate(db):
    return AdvocateFactory(
        timezone="UTC", max_per_month=2, max_per_quarter=3, max_per_year=5, min_days_between=0
    )


def test_monthly_limit_refuses_the_third_ask_in_a_month_and_frees_on_the_first(db, advocate):
    ask(advocate, "2026-11-03T10:00")
    ask(advocate, "2026-11-10T10:00")
    found = refusals(advocate, "reference_call", at("2026-11-20T10:00"))
    assert [r.rule for r in found] == ["monthly_limit"]
    assert found[0].message == "monthly limit of 2 reached until 1 December 2026"
    assert found[0].free_from == dt.date(2026, 12, 1)
    assert rules(advocate, "2026-12-01T00:00") == []


def test_quarterly_limit_counts_across_months_of_the_quarter(db, advocate):
    ask(advocate, "2026-10-05T10:00")
    ask(advocate, "2026-11-05T10:00")
    ask(advocate, "2026-12-01T10:00")
    assert rules(advocate, "2026-12-15T10:00") == ["quarterly_limit"]
    assert rules(advocate, "2027-01-01T00:00") == []


def test_yearly_limit(db, advocate):
    for when in ("2026-01-05", "2026-02-05", "2026-04-05", "2026-07-05", "2026-10-05"):
        ask(advocate, f"{when}T10:00")
    found = refusals(advocate, "reference_call", at("2026-11-20T10:00"))
    assert [r.rule for r in found] == ["yearly_limit"]
    assert found[0].free_from == dt.date(2027, 1, 1)


def test_windows_follow_the_advocates_time_zone(db, advocate):
    advocate.timezone = "Asia/Tokyo"
    # 30 November 16:00 UTC is already 1 December in Tokyo: it counts in December there.
    ask(advocate, "2026-11-30T16:00")
    ask(advocate, "2026-11-30T17:00")
    assert rules(advocate, "2026-11-30T14:00") == []  # still November in Tokyo
    assert rules(advocate, "2026-11-30T18:00") == ["monthly_limit"]
    advocate.timezone = "America/Los_Angeles"
    # In Los Angeles both asks were on 30 November (local), and 1 December has begun at 08:00 UTC.
    assert rules(advocate, "2026-12-01T09:00") == []


def test_asks_no_longer_live_do_not_count(db, advocate):
    for status in ("declined", "expired", "withdrawn"):
        ask(advocate, "2026-11-03T10:00", status=status)
    ask(advocate, "2026-11-04T10:00", status="completed")
    ask(advocate, "2026-11-05T10:00", status="accepted")
    assert usage(advocate, at("2026-11-20T10:00")).month == 2
    assert rules(advocate, "2026-11-20T10:00") == ["monthly_limit"]


def test_cooldown_counts_days_since_the_last_live_ask(db, advocate):
    advocate.min_days_between = 14
    ask(advocate, "2026-11-02T10:00")
    found = refusals(advocate, "reference_call", at("2026-11-05T10:00"))
    assert [r.rule for r in found] == ["cooldown"]
    assert "last asked 3 days ago" in found[0].message
    assert found[0].free_from == dt.date(2026, 11, 16)
    assert rules(advocate, "2026-11-16T00:00") == []


def test_program_defaults_apply_when_the_advocate_sets_no_limit(db):
    advocate = AdvocateFactory(timezone="UTC")
    set_setting(None, "default_max_per_month", 1)
    set_setting(None, "default_min_days_between", 0)
    assert effective_limits(advocate).per_month == 1
    ask(advocate, "2026-11-03T10:00")
    assert rules(advocate, "2026-11-04T10:00") == ["monthly_limit"]


def test_blackout_refuses_until_the_day_after_it_ends(db, advocate):
    db.session.add(
        Blackout(
            advocate=advocate,
            start=dt.date(2026, 12, 20),
            end=dt.date(2027, 1, 3),
            reason="on leave",
        )
    )
    db.session.flush()
    found = refusals(advocate, "reference_call", at("2026-12-24T10:00"))
    assert [r.rule for r in found] == ["blackout"]
    assert found[0].message == "in a blackout period (on leave) until 3 January 2027"
    assert found[0].free_from == dt.date(2027, 1, 4)
    assert rules(advocate, "2026-12-19T10:00") == []
    assert rules(advocate, "2027-01-04T10:00") == []


def test_pause_refuses_until_its_date(db, advocate):
    advocate.paused_until = dt.date(2026, 12, 1)
    assert rules(advocate, "2026-11-30T23:00") == ["paused"]
    assert rules(advocate, "2026-12-01T00:00") == []


def test_activity_type_must_be_opted_into(db, advocate):
    assert rules(advocate, "2026-11-20T10:00", activity="press_interview") == ["activity_type"]
    found = refusals(advocate, "press_interview", at("2026-11-20T10:00"))
    assert found[0].message == "not opted into press interview requests"
    assert free_from(found) is None


@pytest.mark.parametrize("status", ["nominated", "invited", "paused", "retired", "declined"])
def test_only_active_advocates_may_be_asked(db, advocate, status):
    advocate.status = status
    assert rules(advocate, "2026-11-20T10:00") == ["advocate_status"]


@pytest.mark.parametrize("status", ["candidate", "paused", "retired", "do_not_contact"])
def test_only_advocates_at_active_accounts_may_be_asked(db, advocate, status):
    advocate.account.status = status
    db.session.flush()
    assert rules(advocate, "2026-11-20T10:00") == ["account_status"]


def test_every_broken_rule_is_named_and_free_from_is_the_latest(db, advocate):
    advocate.min_days_between = 30
    advocate.paused_until = dt.date(2026, 11, 25)
    ask(advocate, "2026-11-03T10:00")
    ask(advocate, "2026-11-10T10:00")
    found = refusals(advocate, "reference_call", at("2026-11-20T10:00"))
    assert sorted(r.rule for r in found) == ["cooldown", "monthly_limit", "paused"]
    assert free_from(found) == dt.date(2026, 12, 10)
    with pytest.raises(OveruseRefused) as refused:
        check_can_ask(advocate, "reference_call", at("2026-11-20T10:00"))
    assert refused.value.status == 409
    assert "monthly limit of 2 reached until 1 December 2026" in refused.value.message
    assert refused.value.fields["advocate_id"] == refused.value.message
