"""The eligibility rows stay true through the flush hook, whatever path changes the data."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import asks, eligibility, eligibility_row, placing
from portal.asks.models import AdvocateEligibility
from portal.extensions import db as _db
from tests.factories import (
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def now():
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def row(advocate):
    _db.session.flush()
    return eligibility_row.eligibility_of(advocate.id)


def test_a_new_advocate_gets_a_row_with_its_criteria(db):
    advocate = AdvocateFactory(languages=["de", "en"], seniority="executive")
    found = row(advocate)
    assert found.active is True
    assert found.askable_from is None
    assert found.asks_12m == 0 and found.last_asked_at is None
    tags = eligibility_row.tag_set(advocate.id)
    assert {
        ("industry", "banking"),
        ("language", "de"),
        ("seniority", "executive"),
        ("product", "payments"),
    } <= tags
    assert found.activity_bits == eligibility_row.activity_bits(["reference_call", "case_study"])
    assert (found.industry, found.seniority, found.languages) == ("banking", "executive", "|de|en|")


def test_changing_the_account_changes_its_advocates_criteria(db):
    advocate = AdvocateFactory(products=["payments"])
    advocate.account.industry = "insurance"
    advocate.account.products = ["lending"]
    found = row(advocate)
    assert found.industry == "insurance"
    assert found.products == "|lending|payments|"


def test_placing_an_ask_starts_the_cooldown_and_counts_it(db, manager):
    advocate, _ = advocate_with_login(min_days_between=10)
    placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    found = row(advocate)
    assert found.asks_90d == 1 and found.asks_12m == 1
    assert found.askable_from is not None
    assert found.askable_from > now() + dt.timedelta(days=8)


def test_a_decline_frees_the_advocate_again(db, manager):
    advocate, user = advocate_with_login(min_days_between=10)
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    assert row(advocate).askable_from is not None
    asks.answer_ask(user, ask, accept=False, reason="too_busy")
    assert row(advocate).askable_from is None  # a declined ask no longer counts (rule 1)
    assert row(advocate).asks_90d == 1  # but fairness remembers it was asked


def test_an_expired_ask_frees_the_advocate(db, manager):
    advocate = AdvocateFactory(min_days_between=10)
    AskFactory(advocate=advocate, respond_by=now() - dt.timedelta(hours=1))
    assert row(advocate).askable_from is not None
    assert asks.expire_overdue_asks() == 1
    assert row(advocate).askable_from is None


def test_a_preference_change_updates_the_opted_in_types(db):
    advocate = AdvocateFactory(activity_types=["reference_call"])
    assert row(advocate).activity_bits == eligibility_row.ACTIVITY_BITS["reference_call"]
    advocate.activity_types = ["quote"]
    _db.session.flush()
    assert row(advocate).activity_bits == eligibility_row.ACTIVITY_BITS["quote"]


def test_pausing_the_account_makes_its_advocates_inactive(db):
    advocate = AdvocateFactory()
    assert row(advocate).active is True
    advocate.account.status = "paused"
    _db.session.flush()
    assert row(advocate).active is False
    advocate.account.status = "active"
    _db.session.flush()
    assert row(advocate).active is True


def test_a_pause_and_a_blackout_set_the_first_askable_day(db):
    from portal.advocates.models import Blackout

    advocate = AdvocateFactory(timezone="UTC")
    advocate.paused_until = dt.date.today() + dt.timedelta(days=3)
    _db.session.flush()
    expected = dt.datetime.combine(advocate.paused_until, dt.time(), dt.UTC)
    assert row(advocate).askable_from == expected
    advocate.paused_until = None
    advocate.blackouts.append(
        Blackout(start=dt.date.today(), end=dt.date.today() + dt.timedelta(days=6))
    )
    _db.session.flush()
    expected = dt.datetime.combine(dt.date.today() + dt.timedelta(days=7), dt.time(), dt.UTC)
    assert row(advocate).askable_from == expected
    advocate.blackouts.clear()
    _db.session.flush()
    assert row(advocate).askable_from is None


def test_rebuild_fills_rows_for_advocates_written_without_the_orm(db):
    advocate = AdvocateFactory()
    _db.session.execute(sa.delete(AdvocateEligibility.__table__))
    assert row(advocate) is None
    assert eligibility.rebuild_eligibility() == 1
    assert row(advocate).active is True
    assert ("industry", "banking") in eligibility_row.tag_set(advocate.id)


def test_refresh_rolls_the_fairness_counts_forward(db):
    advocate = AdvocateFactory()
    AskFactory(advocate=advocate, status="completed", asked_at=now() - dt.timedelta(days=80))
    assert row(advocate).asks_90d == 1
    later = now() + dt.timedelta(days=20)
    eligibility.refresh_fairness(at=later)
    assert row(advocate).asks_90d == 0
    assert row(advocate).asks_12m == 1


def test_refresh_eligibility_command(app, db, runner):
    advocate = AdvocateFactory()
    _db.session.execute(sa.delete(AdvocateEligibility.__table__))
    _db.session.commit()
    result = runner.invoke(args=["refresh-eligibility"])
    assert result.exit_code == 0, result.output
    assert row(advocate) is not None
    result = runner.invoke(args=["refresh-eligibility", "--all"])
    assert "Rebuilt matching data for 1 advocates" in result.output


def test_rebuild_gives_the_rows_the_hook_gives_and_leaves_settings_writable(db, manager):
    from portal.program.service import get_setting, set_setting

    busy = AdvocateFactory(min_days_between=20)
    placing.place_ask(manager, ReferenceRequestFactory(), busy)
    paused = AdvocateFactory(paused_until=dt.date.today() + dt.timedelta(days=4))
    before = {a.id: row(a)._asdict() for a in (busy, paused)}
    eligibility.rebuild_eligibility()
    for advocate_id, values in before.items():
        after = eligibility_row.eligibility_of(advocate_id)._asdict()
        values.pop("refreshed_at"), after.pop("refreshed_at")
        assert after == values
    set_setting(None, "default_max_per_month", 3)
    _db.session.commit()
    assert get_setting("default_max_per_month") == 3
