"""Who may use recruiting's services, role by role (the pages are in tests/access)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from portal.errors import Forbidden, NotFound
from portal.recruiting import nurturing, pipeline, referenceability, targets
from portal.vocab import ROLES
from tests.factories import AccountFactory, AdvocateFactory, UserFactory

# role -> which accounts' participation it sees: "all", "own", or None (refused)
PARTICIPATION = {
    "advocate": None,
    "requester": None,
    "csm": "own",
    "manager": "all",
    "admin": "all",
    "executive": None,  # reads figures, never an account's customer-success record
}
PROGRAM_TEAM = {"manager", "admin"}


def test_the_table_names_every_role():
    assert set(PARTICIPATION) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_participation_and_referenceability_by_role(db, role):
    user = UserFactory(role=role)
    own, other = AccountFactory(csm=user, name="A own"), AccountFactory(name="B other")
    sees = PARTICIPATION[role]
    if sees is None:
        with pytest.raises(Forbidden):
            referenceability.participation(user)
    else:
        shown = [row.account for row in referenceability.participation(user)]
        assert shown == ([own, other] if sees == "all" else [own])
    for account in (own, other):
        allowed = sees == "all" or (sees == "own" and account is own)
        if allowed:
            assert referenceability.get_own_account(user, account.id) is account
        else:
            with pytest.raises(NotFound):
                referenceability.get_own_account(user, account.id)
            with pytest.raises(Forbidden):
                referenceability.set_referenceability(
                    user, account, {"status": "not_now", "reason": "x"}
                )


@pytest.mark.parametrize("role", ROLES)
def test_the_pipeline_targets_and_touchpoints_are_the_program_team_s(db, role):
    user = UserFactory(role=role)
    advocate = AdvocateFactory(status="nominated")
    calls = (
        lambda: pipeline.pipeline_query(user, {}),
        lambda: targets.create_target(user, {"target_count": 3}),
        lambda: nurturing.log_touchpoint(user, advocate, {"kind": "call", "summary": "Hello"}),
        lambda: pipeline.move_advocate(user, advocate, "invited"),
    )
    for call in calls:
        if role in PROGRAM_TEAM:
            call()
        else:
            with pytest.raises(Forbidden):
                call()


def test_visitors_and_no_one_are_refused(db):
    account = AccountFactory()
    for nobody in (None, AnonymousUserMixin()):
        with pytest.raises(Forbidden):
            pipeline.pipeline_query(nobody, {})
        with pytest.raises(NotFound):
            referenceability.get_own_account(nobody, account.id)
