"""Program rules on every path: no one active, matched or asked without current consent to the
program terms; limits ordered month <= quarter <= year wherever they are set."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates import preferences, self_service, service
from portal.advocates.models import Advocate
from portal.asks import matching
from portal.asks.overuse import OveruseRefused, check_can_ask, refusals
from portal.audit.models import AuditEvent
from portal.errors import DomainError, ValidationFailed
from portal.program import service as program
from portal.program.models import ProgramSetting
from portal.recruiting import csv_import
from portal.recruiting import pipeline as recruiting
from tests.api.conftest import ApiClient
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import sign_in

TERMS = "2026-01"
REFUSED = (
    "Ada can't be made active before accepting the program terms; send the invitation instead."
)


def status_events(db, advocate) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.entity == "advocates",
                AuditEvent.entity_id == advocate.id,
                AuditEvent.action.in_(("advocate.status_changed", "advocate.updated")),
            )
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


@pytest.fixture
def invitee(db):
    """Ada, invited, who never accepted the terms."""
    return AdvocateFactory(name="Ada", status="invited", email="ada@nordbank.example")


def stored_setting(db, key):
    row = db.session.get(ProgramSetting, key)
    return row.value if row else None


# Consent: made active -------------------------------------------------------------------------


def test_activate_button_refuses_an_invitee_without_consent_and_writes_nothing(
    db, client, auth, invitee
):
    sign_in(db, auth)
    response = client.post(
        f"/advocates/{invitee.id}/status", data={"status": "active"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert REFUSED.replace("'", "&#39;") in page
    db.session.expire_all()
    assert invitee.status == "invited"
    assert status_events(db, invitee) == []


def test_pipeline_move_to_active_is_refused_without_consent(db, invitee):
    manager = UserFactory(role="manager")
    with pytest.raises(DomainError) as refused:
        recruiting.move_advocate(manager, invitee, "active")
    assert refused.value.message == REFUSED
    assert refused.value.fields == {"status": REFUSED}
    assert invitee.status == "invited"


@pytest.mark.parametrize("status", ["paused", "retired"])
def test_an_advocate_who_has_not_accepted_new_terms_cannot_be_made_active_again(db, status):
    advocate = AdvocateFactory(name="Ada", status=status)
    manager = UserFactory(role="manager")
    program.set_setting(manager, "terms_version", "2026-07")
    with pytest.raises(DomainError, match="before accepting the program terms"):
        service.change_status(manager, advocate, "active")
    advocate.consent_version = "2026-07"
    service.change_status(manager, advocate, "active")
    assert advocate.status == "active"


def test_api_patch_to_active_without_consent_is_409_and_changes_nothing(db, api, invitee):
    _, token = api.as_role("manager")
    response = api.patch(
        f"/api/v1/advocates/{invitee.id}", token, json={"status": "active", "title": "CFO"}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["message"] == REFUSED and error["fields"] == {"status": REFUSED}
    db.session.expire_all()
    assert (invitee.status, invitee.title) == ("invited", "Head of Payments")
    assert status_events(db, invitee) == []


def test_api_cannot_create_an_advocate_who_is_already_active(db, api):
    _, token = api.as_role("manager")
    account = AccountFactory()
    body = {"account_id": account.id, "name": "Ada", "email": "ada@x.example", "status": "active"}
    response = api.post("/api/v1/advocates", token, json=body)
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"status": REFUSED}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0


def test_csv_import_refuses_active_for_new_rows_and_for_invitees_without_consent(db, invitee):
    AccountFactory(crm_id="A-1")
    invitee.account.crm_id = "A-0"
    db.session.flush()
    text = (
        "email,name,account_crm_id,status\n"
        "ada@nordbank.example,Ada,A-0,active\n"
        "bea@x.example,Bea,A-1,active\n"
        "cy@x.example,Cy,A-1,nominated\n"
    )
    report = csv_import.run_import(None, "advocates", text)
    errors = {o.key: o.errors for o in report.outcomes if o.action == "error"}
    assert errors["ada@nordbank.example"]["status"] == REFUSED
    assert errors["bea@x.example"]["status"] == REFUSED.replace("Ada", "Bea")
    assert report.counts == {"error": 2, "create": 1}
    assert invitee.status == "invited"
    assert db.session.scalar(sa.select(Advocate).where(Advocate.email == "bea@x.example")) is None


def test_csv_import_activates_a_paused_advocate_who_has_consent(db):
    advocate = AdvocateFactory(status="paused", email="p@x.example", name="P")
    advocate.account.crm_id = "A-5"
    db.session.flush()
    text = "email,name,account_crm_id,status\np@x.example,P,A-5,active\n"
    report = csv_import.run_import(None, "advocates", text)
    assert report.counts == {"update": 1}
    db.session.expire_all()
    assert advocate.status == "active"


# Consent: matched and asked -------------------------------------------------------------------


def test_an_active_advocate_without_consent_is_refused_an_ask_with_the_reason(db):
    advocate = AdvocateFactory(name="Ada", status="active", consent_at=None, consent_version=None)
    found = refusals(advocate, "reference_call")
    assert [(r.rule, r.message) for r in found] == [
        ("consent", "has not accepted the current program terms")
    ]
    with pytest.raises(OveruseRefused) as refused:
        check_can_ask(advocate, "reference_call")
    assert (
        refused.value.message == "Ada can't be asked: has not accepted the current program terms."
    )


def test_api_place_ask_on_an_advocate_without_consent_is_409_naming_the_rule(db, api):
    _, token = api.as_role("manager")
    advocate = AdvocateFactory(name="Ada", consent_at=None, consent_version=None)
    request = ReferenceRequestFactory()
    response = api.post(
        f"/api/v1/requests/{request.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert response.status_code == 409
    assert "has not accepted the current program terms" in response.get_json()["error"]["message"]


def test_an_advocate_without_consent_is_no_match_but_a_near_miss_saying_why(db):
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    fine = AdvocateFactory()
    unconsented = AdvocateFactory(consent_at=None, consent_version=None)
    db.session.flush()
    result = matching.match(request, 50, near_misses=50)
    assert [m.advocate for m in result.matches] == [fine]
    [miss] = result.near_misses
    assert miss.advocate == unconsented
    assert "has not accepted the current program terms" in miss.refusals


def test_new_terms_take_everyone_who_has_not_accepted_them_out_of_matching(db):
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    ada = AdvocateFactory()
    bea = AdvocateFactory()
    db.session.flush()
    assert {m.advocate for m in matching.match(request, 50).matches} == {ada, bea}
    program.set_setting(None, "terms_version", "2026-07")
    assert matching.match(request, 50).matches == []
    user = UserFactory(role="advocate", email=bea.email)
    bea.user = user
    db.session.flush()
    self_service.accept_terms(user, bea, "2026-07")
    db.session.flush()
    assert [m.advocate for m in matching.match(request, 50).matches] == [bea]
    # Back to the version Ada accepted: she is a candidate again.
    program.set_setting(None, "terms_version", TERMS)
    assert [m.advocate for m in matching.match(request, 50).matches] == [ada]


def test_seeded_demo_active_advocates_all_have_current_consent(db, runner):
    result = runner.invoke(args=["seed-demo", "--advocates", "30"])
    assert result.exit_code == 0, result.output
    active = db.session.scalars(sa.select(Advocate).where(Advocate.status == "active")).all()
    assert active and all(not self_service.needs_consent(a) for a in active)


# Contradictory limits -------------------------------------------------------------------------


QUARTER_BELOW_MONTH = "A quarter can't allow fewer asks than a month (5)."


def test_five_a_month_with_two_a_quarter_is_refused_on_the_quarter_and_nothing_written(db):
    advocate, user = advocate_with_login()
    with pytest.raises(ValidationFailed) as refused:
        preferences.update_preferences(
            user, advocate, {"max_per_month": 5, "max_per_quarter": 2, "max_per_year": 20}
        )
    assert refused.value.fields == {"max_per_quarter": QUARTER_BELOW_MONTH}
    assert (advocate.max_per_month, advocate.max_per_quarter) == (None, None)


def test_a_limit_left_to_the_program_default_is_compared_as_the_default(db):
    advocate, user = advocate_with_login()  # defaults: 2 a month, 4 a quarter, 12 a year
    with pytest.raises(ValidationFailed) as refused:
        preferences.update_preferences(user, advocate, {"max_per_month": 5})
    assert refused.value.fields == {
        "max_per_month": "A month can't allow more asks than a quarter (4, the program default)."
    }
    with pytest.raises(ValidationFailed) as refused:
        preferences.update_preferences(user, advocate, {"max_per_year": 3})
    assert refused.value.fields == {
        "max_per_year": "A year can't allow fewer asks than a quarter (4)."
    }
    preferences.update_preferences(user, advocate, {"max_per_month": 4})  # 4 <= 4 <= 12
    assert advocate.max_per_month == 4


def test_a_partial_change_is_compared_with_the_stored_limits(db):
    advocate, user = advocate_with_login(max_per_month=1, max_per_quarter=2, max_per_year=6)
    with pytest.raises(ValidationFailed) as refused:
        preferences.update_preferences(user, advocate, {"max_per_month": 5}, partial=True)
    assert refused.value.fields == {"max_per_quarter": QUARTER_BELOW_MONTH}
    assert advocate.max_per_month == 1


def test_preferences_page_shows_the_order_error_next_to_the_field(db, client, auth):
    advocate, user = advocate_with_login(timezone="UTC")
    db.session.commit()
    auth.login(user.email)
    response = client.post(
        "/me/preferences",
        data={
            "activity_types": ["reference_call"],
            "max_per_month": "5",
            "max_per_quarter": "2",
            "max_per_year": "",
            "min_days_between": "",
            "preferred_contact": "email",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert QUARTER_BELOW_MONTH.replace("'", "&#39;") in page
    db.session.expire_all()
    assert (advocate.max_per_month, advocate.max_per_quarter) == (None, None)


def test_api_put_preferences_with_contradictory_limits_is_422_naming_the_field(db, api):
    _, token = api.as_role("manager")
    advocate, _ = advocate_with_login()
    body = {
        "activity_types": ["reference_call"],
        "max_per_month": 5,
        "max_per_quarter": 2,
        "max_per_year": 20,
        "min_days_between": 7,
        "preferred_contact": "email",
    }
    response = api.call("PUT", f"/api/v1/advocates/{advocate.id}/preferences", token, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"max_per_quarter": QUARTER_BELOW_MONTH}
    db.session.expire_all()
    assert (advocate.max_per_month, advocate.min_days_between) == (None, None)


def test_program_default_limits_must_be_ordered_and_nothing_is_written(db):
    manager = UserFactory(role="manager")
    with pytest.raises(ValidationFailed) as refused:
        program.set_setting(manager, "default_max_per_month", 5)  # the quarter default is 4
    assert refused.value.fields == {
        "default_max_per_quarter": "A quarter can't allow fewer asks than a month (5)."
    }
    with pytest.raises(ValidationFailed) as refused:
        program.set_setting(manager, "default_max_per_year", -1)
    assert refused.value.fields == {"default_max_per_year": "Must be at least 0."}
    assert stored_setting(db, "default_max_per_month") is None
    assert stored_setting(db, "default_max_per_year") is None


def test_program_default_limits_move_together_past_each_other(db):
    manager = UserFactory(role="manager")
    changed = program.update_default_limits(
        manager,
        {"default_max_per_month": 6, "default_max_per_quarter": 10, "default_max_per_year": 30},
    )
    assert changed["default_max_per_month"] == [2, 6]
    assert program.get_setting("default_max_per_quarter") == 10
    with pytest.raises(ValidationFailed) as refused:
        program.update_default_limits(
            manager, {"default_max_per_quarter": 40, "default_min_days_between": 400}
        )
    assert refused.value.fields == {"default_min_days_between": "Must be at most 365."}
    assert program.get_setting("default_max_per_quarter") == 10


def test_pause_until_a_past_day_is_refused(db):
    advocate, user = advocate_with_login(timezone="UTC")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed):
        preferences.pause(user, advocate, yesterday.isoformat())
    with pytest.raises(ValidationFailed):
        preferences.update_preferences(user, advocate, {"paused_until": yesterday}, partial=True)
    assert advocate.paused_until is None
