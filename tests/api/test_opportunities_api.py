"""Opportunities in the API: the CRM's upsert by CRM id, who reads which deals, the sync cursor."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from portal.api.schemas.opportunities import OpportunityInputSchema
from portal.audit.models import AuditEvent
from portal.database import now_utc
from portal.opportunities import service
from portal.opportunities.models import Opportunity
from tests.factories import AccountFactory, UserFactory, advocate_with_login

DEAL = {
    "name": "Nordbank payments platform",
    "account_name": "Nordbank AG",
    "amount": "250000",
    "currency": "eur",
    "stage": "Proposal/Price Quote",
    "stage_group": "middle",
    "opened_on": "2026-09-01",
    "close_date": "2026-12-20",
    "outcome": "open",
    "owner_email": "seller@example.com",
}


def put(api, token, crm_id, body):
    return api.call("PUT", f"/api/v1/opportunities/{crm_id}", token, json=body)


def audit_count(db, action=None) -> int:
    query = sa.select(sa.func.count()).select_from(AuditEvent)
    query = query.where(AuditEvent.entity == "opportunities")
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def stored(db, crm_id) -> Opportunity:
    db.session.expire_all()
    return db.session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))


def crm_ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["crm_id"] for item in response.get_json()["items"]]


@pytest.fixture
def manager(api):
    return api.as_role("manager")


def deal(manager, crm_id, **fields):
    """A deal written as the CRM import or the API would write it."""
    values = {"name": f"Deal {crm_id}", "outcome": "open", **fields}
    return service.upsert(manager, crm_id, values, source="csv")[0]


# PUT: create, change, change nothing ------------------------------------------------------


def test_put_creates_the_deal_with_201_and_its_address(db, api, manager):
    _, token = manager
    response = put(api, token, "006Nb000001", DEAL)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith("/api/v1/opportunities/006Nb000001")
    assert body["crm_id"] == "006Nb000001" and body["name"] == DEAL["name"]
    assert body["amount"] == "250000.00" and body["currency"] == "EUR"
    assert body["stage"] == "Proposal/Price Quote" and body["stage_group"] == "middle"
    assert body["close_date"] == "2026-12-20" and body["opened_on"] == "2026-09-01"
    assert body["outcome"] == "open" and body["owner_email"] == "seller@example.com"
    assert body["source"] == "api"
    assert stored(db, "006Nb000001").name == DEAL["name"]
    assert audit_count(db, "opportunity.created") == 1


def test_the_same_put_twice_writes_nothing_the_second_time(db, api, manager):
    _, token = manager
    first = put(api, token, "006Nb000002", DEAL)
    assert first.status_code == 201
    updated_at = stored(db, "006Nb000002").updated_at
    events = audit_count(db)
    time.sleep(0.01)  # a write now would give a later updated_at
    second = put(api, token, "006Nb000002", DEAL)
    assert second.status_code == 200, second.get_json()
    assert second.get_json() == first.get_json()
    assert stored(db, "006Nb000002").updated_at == updated_at
    assert audit_count(db) == events


def test_a_partial_put_changes_only_the_stage(db, api, manager):
    _, token = manager
    assert put(api, token, "006Nb000003", DEAL).status_code == 201
    before = put(api, token, "006Nb000003", {}).get_json()
    time.sleep(0.01)
    response = put(api, token, "006Nb000003", {"stage": "Negotiation/Review"})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["stage"] == "Negotiation/Review"
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"stage", "updated_at"}
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "opportunity.updated")
        .order_by(AuditEvent.id)
    ).one()
    assert event.data == {
        "source": "api",
        "stage": ["Proposal/Price Quote", "Negotiation/Review"],
    }


def test_an_outcome_put_reaches_the_requests_that_support_the_deal(db, api, manager):
    _, token = manager
    seller, seller_token = api.as_role("requester", team="sales", email="seller@example.com")
    assert put(api, token, "006Nb000004", DEAL).status_code == 201
    filed = api.post(
        "/api/v1/requests",
        seller_token,
        json={
            "activity_type": "reference_call",
            "opportunity_crm_id": "006Nb000004",
            "needed_by": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
            "advocates_needed": 1,
        },
    )
    assert filed.status_code == 201, filed.get_json()
    request_id = filed.get_json()["id"]
    assert filed.get_json()["opportunity_outcome"] == "open"
    response = put(api, token, "006Nb000004", {"outcome": "won", "amount": 275000})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["outcome"] == "won"
    shown = api.get(f"/api/v1/requests/{request_id}", seller_token).get_json()
    assert shown["opportunity_outcome"] == "won"
    assert shown["opportunity_amount"] == "275000.00"
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "opportunity.outcome_changed")
        .order_by(AuditEvent.id)
    ).one()
    assert event.data == {"from": "open", "to": "won", "source": "api"}


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("colour", {"colour": "blue"}),
        ("amount", {"amount": -5}),
        ("amount", {"amount": "a lot"}),
        ("currency", {"currency": "euro"}),
        ("outcome", {"outcome": "maybe"}),
        ("stage_group", {"stage_group": "final"}),
        ("close_date", {"close_date": "2026-08-01"}),  # before opened_on
        ("close_date", {"close_date": "next week"}),
        ("owner_email", {"owner_email": "not an address"}),
        ("name", {"name": ""}),
        ("name", {"name": None}),
        ("outcome", {"outcome": None}),
    ],
)
def test_a_bad_body_is_422_naming_the_field_and_writes_nothing(db, api, manager, field, change):
    _, token = manager
    response = put(api, token, "006Nb000005", {**DEAL, **change})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert field in error["fields"]
    assert stored(db, "006Nb000005") is None
    assert audit_count(db) == 0


def test_every_bad_field_is_named_at_once_and_a_known_deal_stays_as_it_was(db, api, manager):
    _, token = manager
    assert put(api, token, "006Nb000006", DEAL).status_code == 201
    events = audit_count(db)
    response = put(
        api, token, "006Nb000006", {"stage": "Closed Won", "amount": -1, "colour": "blue"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"amount", "colour"}
    assert stored(db, "006Nb000006").stage == "Proposal/Price Quote"
    assert audit_count(db) == events


@pytest.mark.parametrize("field", ["name", "outcome"])
def test_a_known_deal_s_name_and_outcome_cannot_be_cleared(db, api, manager, field):
    _, token = manager
    assert put(api, token, "006Nb000011", DEAL).status_code == 201
    response = put(api, token, "006Nb000011", {field: None})
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["fields"]) == {field}
    assert getattr(stored(db, "006Nb000011"), field) == DEAL[field]


def test_a_new_deal_needs_its_name_and_outcome(db, api, manager):
    _, token = manager
    response = put(api, token, "006Nb000007", {"stage": "Prospecting"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"name", "outcome"}
    assert stored(db, "006Nb000007") is None


@pytest.mark.parametrize("crm_id", ["-starts-with-a-dash", "x" * 65, "spaces%20inside"])
def test_a_bad_crm_id_is_422_naming_crm_id(db, api, manager, crm_id):
    _, token = manager
    response = put(api, token, crm_id, DEAL)
    assert response.status_code == 422
    assert "crm_id" in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0


def test_a_body_that_is_not_an_object_is_400(db, api, manager):
    _, token = manager
    response = api.call("PUT", "/api/v1/opportunities/006X", token, json=["name"])
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "body": "Send a JSON object as the request body."
    }


@pytest.mark.parametrize("role", ["requester", "csm"])
def test_only_the_program_team_may_put(db, api, role):
    _, token = api.as_role(role, email="seller@example.com")
    response = put(api, token, "006Nb000008", DEAL)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert stored(db, "006Nb000008") is None


def test_an_admin_may_put(db, api):
    _, token = api.as_role("admin")
    assert put(api, token, "006Nb000009", DEAL).status_code == 201


def test_a_read_token_may_not_put(db, api):
    user = UserFactory(role="manager")
    token = api.token(user, scope="read")
    assert put(api, token, "006Nb000010", DEAL).status_code == 403
    assert stored(db, "006Nb000010") is None


# GET: who sees which deals ----------------------------------------------------------------


def test_a_requester_sees_only_their_own_deals(db, api, manager):
    seller, token = api.as_role("requester", team="sales", email="Seller@Example.com")
    deal(manager[0], "MINE-1", owner_email="seller@example.com")
    deal(manager[0], "THEIRS-1", owner_email="other@example.com")
    assert crm_ids(api.get("/api/v1/opportunities", token)) == ["MINE-1"]
    assert api.get("/api/v1/opportunities/MINE-1", token).get_json()["crm_id"] == "MINE-1"
    hidden = api.get("/api/v1/opportunities/THEIRS-1", token)
    assert hidden.status_code == 404
    assert hidden.get_json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/opportunities/NOBODY-1", token).status_code == 404


def test_the_program_team_sees_every_deal(db, api, manager):
    _, token = manager
    deal(manager[0], "MINE-1", owner_email="seller@example.com")
    deal(manager[0], "THEIRS-1", owner_email="other@example.com")
    assert set(crm_ids(api.get("/api/v1/opportunities", token))) == {"MINE-1", "THEIRS-1"}
    assert api.get("/api/v1/opportunities/THEIRS-1", token).status_code == 200


def test_an_advocate_may_not_read_deals(db, api, manager):
    deal(manager[0], "NOOWNER-1")
    _, user = advocate_with_login()
    token = api.token(user)
    assert api.get("/api/v1/opportunities", token).status_code == 403
    assert api.get("/api/v1/opportunities/NOOWNER-1", token).status_code == 403
    assert put(api, token, "NOOWNER-1", {"stage": "x"}).status_code == 403


def test_without_a_token_it_is_401(db, api):
    assert api.get("/api/v1/opportunities", None).status_code == 401
    assert put(api, None, "006X", DEAL).status_code == 401


# The list: filters, the sync cursor, pages ------------------------------------------------


def test_updated_since_lists_only_the_deals_changed_since_oldest_change_first(db, api, manager):
    actor, token = manager
    deal(actor, "OLD-1")
    deal(actor, "OLD-2")
    db.session.commit()
    time.sleep(0.01)
    mark = now_utc()
    time.sleep(0.01)
    service.upsert(actor, "OLD-2", {"stage": "Closed Won"})
    db.session.commit()
    time.sleep(0.01)
    deal(actor, "NEW-1")
    since = {"updated_since": mark.isoformat()}
    response = api.get("/api/v1/opportunities", token, query_string=since)
    assert crm_ids(response) == ["OLD-2", "NEW-1"]
    # Without the cursor: newest change first, and everything.
    assert crm_ids(api.get("/api/v1/opportunities", token)) == ["NEW-1", "OLD-2", "OLD-1"]
    # Another offset names the same instant; a naive date-time is UTC; a date alone is its
    # midnight UTC.
    east = mark.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    east_ids = crm_ids(
        api.get("/api/v1/opportunities", token, query_string={"updated_since": east})
    )
    assert east_ids == ["OLD-2", "NEW-1"]
    naive = mark.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    naive_ids = crm_ids(
        api.get("/api/v1/opportunities", token, query_string={"updated_since": naive})
    )
    assert naive_ids == ["OLD-2", "NEW-1"]
    tomorrow = (now_utc() + dt.timedelta(days=1)).date().isoformat()
    later = api.get("/api/v1/opportunities", token, query_string={"updated_since": tomorrow})
    assert crm_ids(later) == []
    today = now_utc().date().isoformat()
    today_ids = crm_ids(
        api.get("/api/v1/opportunities", token, query_string={"updated_since": today})
    )
    assert today_ids == ["OLD-1", "OLD-2", "NEW-1"]


def test_a_bad_updated_since_is_refused_naming_it(db, api, manager):
    _, token = manager
    response = api.get("/api/v1/opportunities?updated_since=last-tuesday", token)
    assert response.status_code == 400
    assert "updated_since" in response.get_json()["error"]["fields"]


def test_the_list_filters_by_outcome_stage_group_text_and_account(db, api, manager):
    actor, token = manager
    account = AccountFactory(name="Nordbank AG", crm_id="001NB")
    deal(actor, "A-1", outcome="won", account_crm_id="001NB")
    deal(actor, "A-2", stage_group="early", name="Hafen Logistics rollout")
    deal(actor, "A-3", stage_group="late")

    def listed(query):
        return set(crm_ids(api.get(f"/api/v1/opportunities?{query}", token)))

    assert listed("outcome=won") == {"A-1"}
    assert listed("stage_group=early") == {"A-2"}
    assert listed("q=hafen") == {"A-2"}
    assert listed("q=a-3") == {"A-3"}
    assert listed(f"account_id={account.id}") == {"A-1"}
    response = api.get("/api/v1/opportunities?outcome=maybe", token)
    assert response.status_code == 400 and "outcome" in response.get_json()["error"]["fields"]


def test_the_list_is_paginated(db, api, manager):
    actor, token = manager
    for n in range(5):
        deal(actor, f"P-{n}")
    first = api.get("/api/v1/opportunities?per_page=2", token).get_json()
    assert set(first) == {"items", "page", "per_page", "total"}
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert len(first["items"]) == 2
    last = api.get("/api/v1/opportunities?per_page=2&page=3", token).get_json()
    assert len(last["items"]) == 1 and last["total"] == 5
    seen = [
        item["crm_id"]
        for page in (1, 2, 3)
        for item in api.get(f"/api/v1/opportunities?per_page=2&page={page}", token).get_json()[
            "items"
        ]
    ]
    assert sorted(seen) == [f"P-{n}" for n in range(5)]
    response = api.get("/api/v1/opportunities?per_page=101", token)
    assert response.status_code == 400 and "per_page" in response.get_json()["error"]["fields"]


# The document -----------------------------------------------------------------------------


def test_the_document_describes_the_opportunity_routes(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    item = document["paths"]["/api/v1/opportunities/{crm_id}"]
    assert set(item) >= {"get", "put"}
    assert {"200", "201", "403", "422"} <= set(item["put"]["responses"])
    body = item["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/OpportunityInput"}
    listing = document["paths"]["/api/v1/opportunities"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {
        "page",
        "per_page",
        "updated_since",
        "outcome",
        "stage_group",
        "q",
        "account_id",
    } <= names


def test_amounts_are_documented_as_the_decimal_strings_they_are(db, api, manager):
    _, token = manager
    assert put(api, token, "006Nb000012", DEAL).get_json()["amount"] == "250000.00"
    document = api.get("/api/v1/openapi.json", None).get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Opportunity"]["properties"]["amount"]["type"] == "string"
    assert schemas["Request"]["properties"]["opportunity_amount"]["type"] == "string"


def test_the_input_schema_names_exactly_the_fields_the_service_takes():
    assert set(OpportunityInputSchema().fields) == set(service.FIELDS)
