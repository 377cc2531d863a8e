"""Accounts in the API: roles, pages, filters, create and change."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.accounts.models import Account
from portal.audit.models import AuditEvent
from tests.factories import AccountFactory, advocate_with_login

NEW_ACCOUNT = {
    "name": "Nordbank AG",
    "domain": "nordbank.example",
    "industry": "banking",
    "segment": "enterprise",
    "region": "emea",
    "country": "de",
    "products": ["payments"],
}
OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def manager(api):
    return api.as_role("manager")


# Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["csm", "manager", "admin"])
def test_staff_who_look_after_accounts_may_list_them(db, api, role):
    AccountFactory(name="Nordbank AG")
    _, plain = api.as_role(role)
    response = api.get("/api/v1/accounts", plain)
    assert response.status_code == 200
    assert [a["name"] for a in response.get_json()["items"]] == ["Nordbank AG"]


@pytest.mark.parametrize("role", ["requester", "advocate"])
def test_requesters_and_advocates_may_not_touch_accounts(db, api, role):
    if role == "advocate":
        advocate, user = advocate_with_login()
        account = advocate.account
        plain = api.token(user)
    else:
        account = AccountFactory()
        _, plain = api.as_role(role)
    before = count(db, Account)
    responses = [
        api.get("/api/v1/accounts", plain),
        api.get(f"/api/v1/accounts/{account.id}", plain),
        api.post("/api/v1/accounts", plain, json=NEW_ACCOUNT),
        api.patch(f"/api/v1/accounts/{account.id}", plain, json={"name": "Mine now"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert all(r.get_json()["error"]["code"] == "forbidden" for r in responses)
    assert count(db, Account) == before


def test_csm_cannot_edit_another_csms_account(db, api):
    other, _ = api.as_role("csm")
    account = AccountFactory(csm_id=other.id, name="Theirs AG")
    _, plain = api.as_role("csm")
    response = api.patch(f"/api/v1/accounts/{account.id}", plain, json={"name": "Mine AG"})
    assert response.status_code == 403
    db.session.refresh(account)
    assert account.name == "Theirs AG"


# Pages -----------------------------------------------------------------------------------


def test_list_is_paginated_with_total(db, api, manager):
    for n in range(30):
        AccountFactory(name=f"Account {n:02d}")
    _, plain = manager

    first = api.get("/api/v1/accounts", plain).get_json()
    second = api.get("/api/v1/accounts?page=2", plain).get_json()
    small = api.get("/api/v1/accounts?page=3&per_page=10", plain).get_json()
    beyond = api.get("/api/v1/accounts?page=9", plain).get_json()

    assert (first["page"], first["per_page"], first["total"]) == (1, 25, 30)
    assert len(first["items"]) == 25
    assert first["items"][0]["name"] == "Account 00"
    assert (second["page"], len(second["items"]), second["total"]) == (2, 5, 30)
    assert [a["name"] for a in second["items"]][0] == "Account 25"
    assert [a["name"] for a in small["items"]] == [f"Account {n}" for n in range(20, 30)]
    assert beyond["items"] == [] and beyond["total"] == 30


def test_per_page_may_be_100_but_not_more(db, api, manager):
    _, plain = manager
    assert api.get("/api/v1/accounts?per_page=100", plain).get_json()["per_page"] == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=ten", "per_page"),
    ],
)
def test_bad_paging_is_400_naming_the_argument(db, api, manager, query, field):
    _, plain = manager
    response = api.get(f"/api/v1/accounts?{query}", plain)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert set(error["fields"]) == {field}


# Filters ---------------------------------------------------------------------------------


def test_list_filters_by_status_industry_region_segment_and_q(db, api, manager):
    AccountFactory(name="Active Bank", status="active", industry="banking", region="emea")
    AccountFactory(name="Paused Bank", status="paused", industry="banking", region="emea")
    AccountFactory(name="Active Insurer", status="active", industry="insurance", region="na")
    AccountFactory(name="Small Shop", status="active", industry="retail", segment="smb")
    _, plain = manager

    def names(query):
        response = api.get(f"/api/v1/accounts?{query}", plain)
        assert response.status_code == 200, response.get_json()
        return [a["name"] for a in response.get_json()["items"]]

    assert names("status=paused") == ["Paused Bank"]
    assert names("status=active&industry=banking") == ["Active Bank"]
    assert names("region=na") == ["Active Insurer"]
    assert names("segment=smb") == ["Small Shop"]
    assert names("q=bank") == ["Active Bank", "Paused Bank"]
    assert api.get("/api/v1/accounts?status=active", plain).get_json()["total"] == 3


def test_list_filters_by_updated_since(db, api, manager):
    AccountFactory(name="Old AG", updated_at=OLD)
    AccountFactory(name="New AG")
    _, plain = manager

    for since in ("2024-06-01", "2024-06-01T00:00:00Z", "2024-06-01T02:00:00%2B02:00"):
        body = api.get(f"/api/v1/accounts?updated_since={since}", plain).get_json()
        assert [a["name"] for a in body["items"]] == ["New AG"], since
    body = api.get("/api/v1/accounts?updated_since=2019-12-31", plain).get_json()
    assert body["total"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2024-13-01", "updated_since"),
        ("status=sleeping", "status"),
        ("region=mars", "region"),
        ("segment=huge", "segment"),
    ],
)
def test_bad_filter_is_400_naming_it(db, api, manager, query, field):
    _, plain = manager
    response = api.get(f"/api/v1/accounts?{query}", plain)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {field}


# One account -----------------------------------------------------------------------------


def test_get_account_answers_its_fields(db, api, manager):
    csm, _ = api.as_role("csm")
    account = AccountFactory(name="Nordbank AG", csm_id=csm.id, arr=1_200_000, employees=900)
    _, plain = manager
    response = api.get(f"/api/v1/accounts/{account.id}", plain)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == account.id
    assert body["csm_id"] == csm.id
    assert (body["name"], body["arr"], body["employees"]) == ("Nordbank AG", 1_200_000, 900)
    assert body["products"] == ["payments"]
    created = dt.datetime.fromisoformat(body["created_at"])
    assert created.utcoffset() == dt.timedelta(0)


def test_unknown_account_is_404(db, api, manager):
    _, plain = manager
    for response in (
        api.get("/api/v1/accounts/999999", plain),
        api.patch("/api/v1/accounts/999999", plain, json={"name": "X"}),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


# Create ----------------------------------------------------------------------------------


def test_create_account_answers_201_with_location_and_writes_an_audit_event(db, api, manager):
    user, plain = manager
    response = api.post("/api/v1/accounts", plain, json=NEW_ACCOUNT)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/accounts/{body['id']}")
    assert body["name"] == "Nordbank AG"
    assert body["country"] == "DE"
    assert body["status"] == "candidate"
    account = db.session.get(Account, body["id"])
    assert account is not None and account.domain == "nordbank.example"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "account.created", AuditEvent.entity_id == account.id)
        .order_by(AuditEvent.id)
    )
    assert event is not None and event.actor_id == user.id
    assert api.get(response.headers["Location"], plain).get_json() == body


def test_csm_who_creates_an_account_looks_after_it(db, api):
    csm, plain = api.as_role("csm")
    response = api.post("/api/v1/accounts", plain, json=NEW_ACCOUNT)
    assert response.status_code == 201
    assert response.get_json()["csm_id"] == csm.id


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"name": None}, {"name"}),
        ({"industry": "space_mining"}, {"industry"}),
        ({"colour": "blue"}, {"colour"}),
        ({"name": "", "region": "mars", "employees": -1}, {"name", "region", "employees"}),
    ],
)
def test_invalid_account_is_422_naming_fields_and_writes_nothing(db, api, manager, change, fields):
    _, plain = manager
    data = {k: v for k, v in {**NEW_ACCOUNT, **change}.items() if v is not None}
    accounts, events = count(db, Account), count(db, AuditEvent)
    response = api.post("/api/v1/accounts", plain, json=data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert (count(db, Account), count(db, AuditEvent)) == (accounts, events)


def test_duplicate_crm_id_is_409_naming_it(db, api, manager):
    AccountFactory(crm_id="CRM-1")
    _, plain = manager
    response = api.post("/api/v1/accounts", plain, json={**NEW_ACCOUNT, "crm_id": "CRM-1"})
    assert response.status_code == 409
    assert set(response.get_json()["error"]["fields"]) == {"crm_id"}


# Change ----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(db, api, manager):
    account = AccountFactory(name="Nordbank AG", region="emea", notes="Keep")
    _, plain = manager
    response = api.patch(f"/api/v1/accounts/{account.id}", plain, json={"status": "paused"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["name"], body["region"], body["notes"]) == (
        "paused",
        "Nordbank AG",
        "emea",
        "Keep",
    )
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "account.updated", AuditEvent.entity_id == account.id)
        .order_by(AuditEvent.id)
    )
    assert event.data == {"status": ["active", "paused"]}


def test_csm_may_change_own_account(db, api):
    csm, plain = api.as_role("csm")
    account = AccountFactory(csm_id=csm.id)
    response = api.patch(f"/api/v1/accounts/{account.id}", plain, json={"notes": "Champion left"})
    assert response.status_code == 200
    assert response.get_json()["notes"] == "Champion left"


def test_invalid_patch_is_422_and_changes_nothing(db, api, manager):
    account = AccountFactory(name="Nordbank AG")
    _, plain = manager
    response = api.patch(
        f"/api/v1/accounts/{account.id}", plain, json={"name": "New name", "segment": "giant"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"segment"}
    db.session.refresh(account)
    assert account.name == "Nordbank AG"


def test_patch_with_non_json_body_is_400(db, api, manager):
    account = AccountFactory()
    _, plain = manager
    response = api.patch(f"/api/v1/accounts/{account.id}", plain, data="name=X")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "body": "Send a JSON object as the request body."
    }
