"""Custom fields in the JSON API: definitions for administrators, values on accounts and
advocates (read, write, 422 naming the field with nothing written), request criteria, OpenAPI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import portal.models  # noqa: F401  (every model mapped before the services import)
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from portal.auth.service import create_api_token
from portal.program import custom_fields
from portal.program.models import CustomField
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.program.custom_field_helpers import add_fields, add_job_function


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def token(db, role_or_user) -> str:
    user = UserFactory(role=role_or_user) if isinstance(role_or_user, str) else role_or_user
    _, plain = create_api_token(None, user)
    db.session.commit()
    return plain


def call(client, method, path, bearer, body=None):
    return client.open(
        path, method=method, headers={"Authorization": f"Bearer {bearer}"}, json=body
    )


# Definitions ----------------------------------------------------------------


def test_admin_adds_lists_and_changes_definitions(db, client, admin):
    add_job_function(admin)
    bearer = token(db, admin)
    added = call(
        client,
        "POST",
        "/api/v1/settings/custom-fields",
        bearer,
        {
            "entity": "advocate",
            "label": "Job function",
            "type": "choice",
            "taxonomy_kind": "job_function",
            "match_criterion": True,
        },
    )
    assert added.status_code == 201, added.json
    assert added.json["key"] == "job_function" and added.json["active"] is True
    assert added.headers["Location"].endswith(f"/api/v1/settings/custom-fields/{added.json['id']}")
    listed = call(client, "GET", "/api/v1/settings/custom-fields", bearer)
    assert [f["key"] for f in listed.json["items"]] == ["job_function"]
    retired = call(client, "PATCH", added.headers["Location"], bearer, {"active": False})
    assert retired.status_code == 200 and retired.json["active"] is False
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["custom_field.added", "custom_field.retired"]


def test_a_bad_definition_is_422_naming_the_field_and_nothing_is_written(db, client, admin):
    bearer = token(db, admin)
    refused = call(
        client,
        "POST",
        "/api/v1/settings/custom-fields",
        bearer,
        {"entity": "advocate", "label": "Size", "type": "number", "multiple": True},
    )
    assert refused.status_code == 422
    assert "multiple" in refused.json["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomField)) == 0
    fixed = call(
        client,
        "PATCH",
        "/api/v1/settings/custom-fields/999999",
        bearer,
        {"label": "Anything"},
    )
    assert fixed.status_code == 404


@pytest.mark.parametrize("role", ["manager", "csm", "requester", "advocate"])
def test_only_administrators_reach_the_definitions(db, client, role):
    bearer = token(db, role)
    assert call(client, "GET", "/api/v1/settings/custom-fields", bearer).status_code == 403
    body = {"entity": "advocate", "label": "Hobby", "type": "text"}
    assert call(client, "POST", "/api/v1/settings/custom-fields", bearer, body).status_code == 403


# Values ----------------------------------------------------------------


def test_advocates_carry_their_custom_values_and_patch_changes_them(db, client, admin):
    add_fields(admin)
    advocate = AdvocateFactory(custom_fields={"job_function": "cio"})
    bearer = token(db, "manager")
    shown = call(client, "GET", f"/api/v1/advocates/{advocate.id}", bearer)
    assert shown.json["custom_fields"] == {"job_function": "cio"}
    changed = call(
        client,
        "PATCH",
        f"/api/v1/advocates/{advocate.id}",
        bearer,
        {"custom_fields": {"team_size": 40, "met_on": "2026-02-01"}},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["custom_fields"] == {
        "job_function": "cio",
        "team_size": 40,
        "met_on": "2026-02-01",
    }
    listed = call(client, "GET", "/api/v1/advocates", bearer)
    assert listed.json["items"][0]["custom_fields"]["team_size"] == 40


def test_a_bad_custom_value_is_422_naming_it_and_writes_nothing(db, client, admin):
    add_fields(admin, entity="account")
    account = AccountFactory(custom_fields={"job_function": "cio"}, notes="Before")
    bearer = token(db, "manager")
    refused = call(
        client,
        "PATCH",
        f"/api/v1/accounts/{account.id}",
        bearer,
        {"notes": "After", "custom_fields": {"job_function": "ceo", "team_size": "ten"}},
    )
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {
        "custom_fields.job_function",
        "custom_fields.team_size",
    }
    db.session.expire_all()
    stored = db.session.get(Account, account.id)
    assert (stored.notes, stored.custom_fields) == ("Before", {"job_function": "cio"})


def test_post_accepts_custom_values_and_refuses_unknown_keys(db, client, admin):
    add_fields(admin)
    account = AccountFactory()
    bearer = token(db, "manager")
    body = {"account_id": account.id, "name": "Grace Hopper", "email": "grace@bank.example"}
    unknown = call(
        client, "POST", "/api/v1/advocates", bearer, {**body, "custom_fields": {"shoe": 42}}
    )
    assert unknown.status_code == 422
    assert unknown.json["error"]["fields"] == {"custom_fields.shoe": "Unknown field."}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0
    made = call(
        client,
        "POST",
        "/api/v1/advocates",
        bearer,
        {**body, "custom_fields": {"job_function": "cto", "hobby": "Chess"}},
    )
    assert made.status_code == 201, made.json
    assert made.json["custom_fields"] == {"job_function": "cto", "hobby": "Chess"}


def test_a_retired_field_stays_in_the_api_and_sending_it_back_unchanged_is_fine(db, client, admin):
    choice, *_ = add_fields(admin)
    advocate = AdvocateFactory(custom_fields={"job_function": "cio"})
    custom_fields.update_field(admin, choice, {"active": False})
    bearer = token(db, "manager")
    shown = call(client, "GET", f"/api/v1/advocates/{advocate.id}", bearer).json
    assert shown["custom_fields"] == {"job_function": "cio"}
    back = call(
        client,
        "PATCH",
        f"/api/v1/advocates/{advocate.id}",
        bearer,
        {"custom_fields": shown["custom_fields"]},
    )
    assert back.status_code == 200


def test_requests_take_custom_criteria_and_matches_give_the_reason(db, client, admin):
    add_fields(admin)
    AdvocateFactory(custom_fields={"job_function": "cto"})
    fitting = AdvocateFactory(custom_fields={"job_function": "cio"})
    manager = token(db, "manager")
    base = {"activity_type": "case_study", "needed_by": "2099-01-31", "advocates_needed": 1}
    bad = call(
        client,
        "POST",
        "/api/v1/requests",
        manager,
        {**base, "criteria": {"custom": {"job_function": ["ceo"]}}},
    )
    assert bad.status_code == 422
    assert "criteria.custom.job_function" in bad.json["error"]["fields"]
    made = call(
        client,
        "POST",
        "/api/v1/requests",
        manager,
        {**base, "criteria": {"custom": {"job_function": ["cio"]}}},
    )
    assert made.status_code == 201, made.json
    assert made.json["criteria"]["custom"] == {"job_function": ["cio"]}
    matches = call(client, "GET", f"/api/v1/requests/{made.json['id']}/matches", manager).json
    top = matches["items"][0]
    assert top["advocate_id"] == fitting.id
    assert "Job function: CIO" in top["reasons"]


def test_openapi_documents_the_definitions_and_the_values(db, client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/settings/custom-fields"])
    assert "patch" in paths["/api/v1/settings/custom-fields/{field_id}"]
    schemas = document["components"]["schemas"]
    assert "custom_fields" in schemas["Advocate"]["properties"]
    assert "custom_fields" in schemas["Account"]["properties"]
    assert "custom" in schemas["Criteria"]["properties"]
