"""GET and PATCH /api/v1/settings/program: administrators read every policy setting and change
any subset through the same service (422 naming each bad field, nothing written); others get
403; the OpenAPI document describes both."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.program import policy
from portal.program.models import ProgramSetting
from portal.program.service import DEFAULTS, get_setting
from tests.api.conftest import ApiClient
from tests.helpers import count

URL = "/api/v1/settings/program"


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def test_administrators_read_every_policy_setting(db, api):
    _, token = api.as_role("admin")
    response = api.get(URL, token)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == set(policy.POLICY_KEYS)
    assert body["program_name"] == "Customer Advocate Program"  # in force, not null
    assert body["ask_reminder_days"] == 2
    assert body["match_weights"] == DEFAULTS["match_weights"]
    assert body["default_max_per_month"] == 2
    assert body["csm_veto_hours"] is None


def test_others_are_refused(db, api):
    for role in ("manager", "csm", "requester", "advocate"):
        _, token = api.as_role(role)
        assert api.get(URL, token).status_code == 403
        refused = api.patch(URL, token, json={"respond_within_days": 6})
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"
    assert api.get(URL, None).status_code == 401
    assert count(db, ProgramSetting) == 0


def test_a_patch_changes_only_what_it_names_and_audits_each(db, api):
    admin, token = api.as_role("admin")
    response = api.patch(
        URL,
        token,
        json={
            "respond_within_days": 10,
            "match_weights": {"language": 4},
            "points_by_activity": {"quote": 55},
            "account_max_per_quarter": None,
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["respond_within_days"] == 10
    assert body["match_weights"] == {**DEFAULTS["match_weights"], "language": 4}
    assert body["points_by_activity"]["quote"] == 55
    assert body["points_by_activity"]["referral"] == DEFAULTS["points_by_activity"]["referral"]
    assert body["account_max_per_quarter"] is None
    assert body["default_max_per_month"] == 2
    db.session.expire_all()
    keys = db.session.scalars(
        sa.select(AuditEvent.data).where(
            AuditEvent.action == "setting.changed", AuditEvent.actor_id == admin.id
        )
    ).all()
    assert sorted(k["key"] for k in keys) == sorted(
        ["respond_within_days", "match_weights", "points_by_activity", "account_max_per_quarter"]
    )


def test_a_bad_patch_names_each_field_and_writes_nothing(db, api):
    _, token = api.as_role("admin")
    response = api.patch(
        URL,
        token,
        json={
            "program_name": "Fine",
            "match_weights": {"industry": -1, "region": "a lot"},
            "default_max_per_month": 5,  # more than the quarter's 4
            "account_max_per_month": 6,
            "account_max_per_quarter": 3,
            "colour": "blue",
        },
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {
        "match_weights.industry",
        "match_weights.region",
        "default_max_per_month",
        "account_max_per_quarter",
        "colour",
    }
    assert error["fields"]["match_weights.industry"] == "Must be from 0 to 10."
    db.session.expire_all()
    assert count(db, ProgramSetting) == 0
    assert get_setting("program_name") is None
    assert api.patch(URL, token, data="not json").status_code == 400


def test_the_openapi_document_describes_both_operations(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    path = document["paths"]["/api/v1/settings/program"]
    assert path["get"]["operationId"] == "get_program_policy"
    assert path["patch"]["operationId"] == "patch_program_policy"
    assert {"200", "403", "422"} <= set(path["patch"]["responses"])
    schema = document["components"]["schemas"]["ProgramPolicy"]
    assert set(policy.POLICY_KEYS) <= set(schema["properties"])
