"""Targets and gaps, against hand-counted fixtures."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db as _db
from portal.recruiting import targets
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.queries import QueryCounter


@pytest.mark.parametrize("count", [0, -3, None, "many"])
def test_a_target_of_zero_or_below_is_refused(db, count):
    with pytest.raises(ValidationFailed) as refused:
        targets.create_target(UserFactory(role="manager"), {"target_count": count})
    assert "target_count" in refused.value.fields


def test_a_target_with_unknown_values_is_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        targets.create_target(
            UserFactory(role="manager"),
            {"target_count": 3, "region": "mars", "industry": "piracy", "activity_type": "poem"},
        )
    assert set(refused.value.fields) == {"region", "industry", "activity_type"}


def test_only_the_program_team_sets_targets(db):
    with pytest.raises(Forbidden):
        targets.create_target(UserFactory(role="csm"), {"target_count": 3})


@pytest.fixture
def program(db):
    """Hand-counted: banking in EMEA has 3 active advocates, 2 of them open to reference calls;
    one more is active at a paused account (not counted); 2 nominated and 1 invited in the
    pipeline, plus 1 declined (not in the pipeline)."""
    bank_emea = AccountFactory(industry="banking", region="emea", segment="enterprise")
    bank_emea_2 = AccountFactory(industry="banking", region="emea", segment="mid_market")
    bank_paused = AccountFactory(industry="banking", region="emea", status="paused")
    bank_na = AccountFactory(industry="banking", region="na")
    retail = AccountFactory(industry="retail", region="emea", products=["analytics"])
    AdvocateFactory(account=bank_emea, activity_types=["reference_call"])
    AdvocateFactory(account=bank_emea, activity_types=["reference_call", "quote"])
    AdvocateFactory(account=bank_emea_2, activity_types=["case_study"], products=["analytics"])
    AdvocateFactory(account=bank_paused, activity_types=["reference_call"])
    AdvocateFactory(account=bank_na, activity_types=["reference_call"])
    AdvocateFactory(account=retail, activity_types=["reference_call"], products=["analytics"])
    AdvocateFactory(account=bank_emea, status="nominated", name="Nora Nominee")
    AdvocateFactory(account=bank_emea_2, status="nominated", name="Nils Nominee")
    AdvocateFactory(account=bank_emea, status="invited", name="Ines Invited")
    AdvocateFactory(account=bank_emea, status="declined", name="Dora Declined")
    AdvocateFactory(account=retail, status="nominated", name="Rita Retail", products=["analytics"])
    manager = UserFactory(role="manager")
    return manager


def test_gaps_match_hand_counts(program):
    make = targets.create_target
    calls = make(
        program,
        {
            "target_count": 12,
            "industry": "banking",
            "region": "emea",
            "activity_type": "reference_call",
            "due_on": "2027-09-30",
        },
    )
    banking = make(program, {"target_count": 3, "industry": "banking", "region": "emea"})
    analytics = make(program, {"target_count": 4, "product": "analytics"})
    mid = make(program, {"target_count": 1, "segment": "mid_market", "industry": "banking"})
    gaps = {g.target.id: g for g in targets.target_gaps()}
    assert (gaps[calls.id].active, gaps[calls.id].gap) == (2, 10)
    assert {a.name for a in gaps[calls.id].nominations} == {
        "Nora Nominee",
        "Nils Nominee",
        "Ines Invited",
    }
    assert not gaps[calls.id].closable
    assert (gaps[banking.id].active, gaps[banking.id].gap) == (3, 0)
    # Analytics: an advocate using it at a bank, and one at a retailer (account product).
    assert (gaps[analytics.id].active, gaps[analytics.id].gap) == (2, 2)
    assert {a.name for a in gaps[analytics.id].nominations} == {"Rita Retail"}
    assert (gaps[mid.id].active, gaps[mid.id].gap) == (1, 0)
    assert targets.target_label(calls) == ("12 active advocates: Banking, EMEA, for reference call")


def test_gaps_take_a_fixed_number_of_queries(program):
    for n in range(5):
        targets.create_target(program, {"target_count": n + 1, "region": "emea"})
    for _ in range(20):
        AdvocateFactory(activity_types=["quote"])
    _db.session.flush()
    with QueryCounter(_db.engine) as queries:
        gaps = targets.target_gaps()
    assert len(gaps) == 5
    assert queries.count <= 3


def test_targets_are_ordered_by_due_date(program):
    late = targets.create_target(program, {"target_count": 1, "due_on": "2027-12-31"})
    soon = targets.create_target(program, {"target_count": 1, "due_on": dt.date(2027, 3, 31)})
    undated = targets.create_target(program, {"target_count": 1})
    assert [g.target for g in targets.target_gaps()] == [soon, late, undated]
