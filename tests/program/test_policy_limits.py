"""A changed default limit changes who can be asked at once (the eligibility rows of advocates
without limits of their own are recomputed in the same transaction, so matching and placing an
ask agree with the new default straight away); the reminder days decide which asks are reminded."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.asks import matching, placing
from portal.asks.overuse import OveruseRefused
from portal.asks.reminders import remind_pending_asks
from portal.extensions import db
from portal.program import policy
from tests.factories import (
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


@pytest.fixture
def people(db):
    admin, manager = UserFactory(role="admin"), UserFactory(role="manager")
    # The cooldown is off, so the month's limit alone decides.
    policy.update_policy(admin, {"default_min_days_between": 0})
    db.session.commit()
    return admin, manager


def offered(request, advocate) -> bool:
    return advocate.id in {m.advocate.id for m in matching.match(request, 20).matches}


def may_place(manager, request, advocate) -> bool:
    """Whether place_ask takes the ask (undone at once: only the answer matters)."""
    savepoint = db.session.begin_nested()
    try:
        placing.place_ask(manager, request, advocate)
    except OveruseRefused:
        return False
    finally:
        savepoint.rollback()
    return True


def test_a_changed_default_month_limit_changes_who_can_be_asked_at_once(db, people):
    admin, manager = people
    busy = AdvocateFactory()  # no limits of their own: the defaults apply
    own = AdvocateFactory(max_per_month=2, max_per_quarter=4, max_per_year=12)
    for advocate in (busy, own):
        AskFactory(advocate=advocate)
        AskFactory(advocate=advocate)
    request = ReferenceRequestFactory()
    db.session.commit()
    assert not offered(request, busy) and not may_place(manager, request, busy)

    policy.update_policy(admin, {"default_max_per_month": 3})
    db.session.commit()
    assert offered(request, busy) and may_place(manager, request, busy)
    # An advocate's own limit is theirs: the default does not reach them.
    assert not offered(request, own) and not may_place(manager, request, own)

    policy.update_policy(admin, {"default_max_per_month": 2})
    db.session.commit()
    assert not offered(request, busy) and not may_place(manager, request, busy)


def test_a_changed_default_cooldown_changes_who_can_be_asked_at_once(db, people):
    admin, manager = people
    advocate = AdvocateFactory()
    AskFactory(advocate=advocate)
    request = ReferenceRequestFactory()
    db.session.commit()
    assert offered(request, advocate)

    policy.update_policy(admin, {"default_min_days_between": 7})
    db.session.commit()
    assert not offered(request, advocate) and not may_place(manager, request, advocate)


def test_the_reminder_days_setting_decides_which_asks_are_reminded(db, people):
    admin, _ = people
    now = dt.datetime.now(dt.UTC)
    advocate, _ = advocate_with_login()
    AskFactory(advocate=advocate, respond_by=now + dt.timedelta(days=3, hours=1))
    db.session.commit()
    assert remind_pending_asks(now) == 0  # the configured 2 days: not yet
    policy.update_policy(admin, {"ask_reminder_days": 4})
    assert remind_pending_asks(now) == 1
    db.session.rollback()
    policy.update_policy(admin, {"ask_reminder_days": 0})
    assert remind_pending_asks(now) == 0
