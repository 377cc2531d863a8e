"""Advocates in the API: who sees whom, nominations, changes and the lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from tests.factories import AccountFactory, AdvocateFactory, advocate_with_login

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
PREFERENCES = (
    "activity_types",
    "max_per_month",
    "max_per_quarter",
    "max_per_year",
    "min_days_between",
    "preferred_contact",
    "paused_until",
)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [a["name"] for a in response.get_json()["items"]]


def new_advocate(account, **fields) -> dict:
    return {
        "account_id": account.id,
        "name": "Ada Lovelace",
        "email": "ada@nordbank.example",
        "seniority": "executive",
        "products": ["payments"],
        **fields,
    }


@pytest.fixture
def two_csms(api):
    """Two CSMs, each with an account and an advocate there; returns (mine, theirs, token)."""
    me, plain = api.as_role("csm")
    other, _ = api.as_role("csm")
    mine = AdvocateFactory(name="Mine", account=AccountFactory(csm_id=me.id))
    theirs = AdvocateFactory(name="Theirs", account=AccountFactory(csm_id=other.id))
    return mine, theirs, plain


# Who sees whom ---------------------------------------------------------------------------


def test_manager_sees_every_advocate(db, api, two_csms):
    _, plain = api.as_role("manager")
    assert names(api.get("/api/v1/advocates", plain)) == ["Mine", "Theirs"]


def test_csm_lists_only_advocates_of_own_accounts(db, api, two_csms):
    _, _, plain = two_csms
    assert names(api.get("/api/v1/advocates", plain)) == ["Mine"]


def test_csm_gets_404_for_another_csms_advocate_and_none_of_its_data(db, api, two_csms):
    mine, theirs, plain = two_csms
    assert api.get(f"/api/v1/advocates/{mine.id}", plain).status_code == 200
    for response in (
        api.get(f"/api/v1/advocates/{theirs.id}", plain),
        api.patch(f"/api/v1/advocates/{theirs.id}", plain, json={"title": "CTO"}),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
        assert theirs.email not in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.title != "CTO"


def test_advocate_sees_only_self(db, api):
    me, user = advocate_with_login(name="Me Myself")
    other = AdvocateFactory(name="Someone Else", account=me.account)
    plain = api.token(user)

    assert names(api.get("/api/v1/advocates", plain)) == ["Me Myself"]
    assert names(api.get(f"/api/v1/advocates?account_id={me.account_id}", plain)) == ["Me Myself"]
    own = api.get(f"/api/v1/advocates/{me.id}", plain)
    assert own.status_code == 200 and own.get_json()["email"] == me.email
    response = api.get(f"/api/v1/advocates/{other.id}", plain)
    assert response.status_code == 404
    assert other.email not in response.get_data(as_text=True)


def test_advocate_may_not_create_or_change_advocates_even_self(db, api):
    me, user = advocate_with_login(title="Head of Payments")
    plain = api.token(user)
    before = count(db, Advocate)
    created = api.post("/api/v1/advocates", plain, json=new_advocate(me.account))
    changed = api.patch(f"/api/v1/advocates/{me.id}", plain, json={"title": "CEO"})
    assert (created.status_code, changed.status_code) == (403, 403)
    assert count(db, Advocate) == before
    db.session.refresh(me)
    assert me.title == "Head of Payments"


def test_requester_may_not_see_or_change_advocates(db, api):
    advocate = AdvocateFactory()
    _, plain = api.as_role("requester")
    responses = [
        api.get("/api/v1/advocates", plain),
        api.get(f"/api/v1/advocates/{advocate.id}", plain),
        api.get("/api/v1/advocates/999999", plain),
        api.post("/api/v1/advocates", plain, json=new_advocate(advocate.account)),
        api.patch(f"/api/v1/advocates/{advocate.id}", plain, json={"title": "CEO"}),
    ]
    assert [r.status_code for r in responses] == [403] * 5


def test_advocate_object_carries_preferences_and_foreign_keys(db, api):
    advocate = AdvocateFactory(
        max_per_month=1, min_days_between=30, paused_until=dt.date(2030, 1, 31)
    )
    user, plain = api.as_role("manager")
    body = api.get(f"/api/v1/advocates/{advocate.id}", plain).get_json()
    assert set(PREFERENCES) <= set(body)
    assert body["account_id"] == advocate.account_id
    assert (body["max_per_month"], body["max_per_year"]) == (1, None)
    assert body["min_days_between"] == 30
    assert body["paused_until"] == "2030-01-31"
    assert body["activity_types"] == ["reference_call", "case_study"]
    assert {"user_id", "nominated_by_id"} <= set(body)
    assert "nominated_by" not in body and "account" not in body


# Pages and filters -----------------------------------------------------------------------


def test_advocate_list_is_paginated(db, api):
    account = AccountFactory()
    for n in range(12):
        AdvocateFactory(name=f"Advocate {n:02d}", account=account)
    _, plain = api.as_role("manager")
    body = api.get("/api/v1/advocates?per_page=5&page=3", plain).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (3, 5, 12)
    assert [a["name"] for a in body["items"]] == ["Advocate 10", "Advocate 11"]
    response = api.get("/api/v1/advocates?page=0", plain)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"page"}


def test_advocate_list_filters(db, api):
    bank = AccountFactory(name="Bank")
    shop = AccountFactory(name="Shop")
    AdvocateFactory(name="Active Exec", account=bank, status="active", seniority="executive")
    AdvocateFactory(name="Paused Dev", account=bank, status="paused", seniority="technical")
    AdvocateFactory(name="Old Shopper", account=shop, status="active", updated_at=OLD)
    _, plain = api.as_role("manager")

    assert names(api.get("/api/v1/advocates?status=paused", plain)) == ["Paused Dev"]
    assert names(api.get("/api/v1/advocates?seniority=executive", plain)) == ["Active Exec"]
    assert names(api.get(f"/api/v1/advocates?account_id={shop.id}", plain)) == ["Old Shopper"]
    assert names(api.get("/api/v1/advocates?updated_since=2024-01-01", plain)) == [
        "Active Exec",
        "Paused Dev",
    ]
    assert names(api.get("/api/v1/advocates?q=shop", plain)) == ["Old Shopper"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=happy", "status"),
        ("seniority=intern", "seniority"),
        ("account_id=abc", "account_id"),
        ("updated_since=31/12/2024", "updated_since"),
        ("per_page=500", "per_page"),
    ],
)
def test_bad_advocate_filter_is_400_naming_it(db, api, query, field):
    _, plain = api.as_role("manager")
    response = api.get(f"/api/v1/advocates?{query}", plain)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {field}


# Create ----------------------------------------------------------------------------------


def test_manager_creates_advocate_201_with_location_and_audit_event(db, api):
    account = AccountFactory()
    user, plain = api.as_role("manager")
    response = api.post("/api/v1/advocates", plain, json=new_advocate(account, status="invited"))
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/advocates/{body['id']}")
    assert (body["name"], body["status"], body["account_id"]) == (
        "Ada Lovelace",
        "invited",
        account.id,
    )
    assert body["nominated_by_id"] == user.id
    assert db.session.get(Advocate, body["id"]).email == "ada@nordbank.example"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.created", AuditEvent.entity_id == body["id"])
        .order_by(AuditEvent.id)
    )
    assert event is not None and event.actor_id == user.id


def test_csm_nominates_a_contact_at_own_account(db, api):
    csm, plain = api.as_role("csm")
    account = AccountFactory(csm_id=csm.id)
    response = api.post("/api/v1/advocates", plain, json=new_advocate(account, status="active"))
    assert response.status_code == 201
    assert response.get_json()["status"] == "nominated"
    assert response.get_json()["nominated_by_id"] == csm.id


def test_csm_may_not_nominate_at_another_csms_account(db, api):
    other, _ = api.as_role("csm")
    account = AccountFactory(csm_id=other.id)
    _, plain = api.as_role("csm")
    before = (count(db, Advocate), count(db, AuditEvent))
    response = api.post("/api/v1/advocates", plain, json=new_advocate(account))
    assert response.status_code == 403
    assert (count(db, Advocate), count(db, AuditEvent)) == before


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"email": None}, {"email"}),
        ({"name": None, "email": "not-an-email"}, {"name", "email"}),
        ({"favourite_colour": "blue"}, {"favourite_colour"}),
        ({"account_id": 999999}, {"account_id"}),
        ({"activity_types": ["juggling"]}, {"activity_types"}),
    ],
)
def test_invalid_advocate_is_422_naming_fields_and_writes_nothing(db, api, change, fields):
    account = AccountFactory()
    _, plain = api.as_role("manager")
    data = {k: v for k, v in new_advocate(account, **change).items() if v is not None}
    before = (count(db, Advocate), count(db, AuditEvent))
    response = api.post("/api/v1/advocates", plain, json=data)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields
    assert (count(db, Advocate), count(db, AuditEvent)) == before


def test_create_advocate_with_non_json_body_is_400(db, api):
    _, plain = api.as_role("manager")
    response = api.post("/api/v1/advocates", plain, data="not json", content_type="text/plain")
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"body"}


# Change ----------------------------------------------------------------------------------


def test_unknown_advocate_is_404(db, api):
    _, plain = api.as_role("manager")
    assert api.get("/api/v1/advocates/999999", plain).status_code == 404
    assert api.patch("/api/v1/advocates/999999", plain, json={"title": "X"}).status_code == 404


def test_manager_patches_fields_and_moves_status_along_the_lifecycle(db, api):
    advocate = AdvocateFactory(status="active", title="Director")
    _, plain = api.as_role("manager")
    response = api.patch(
        f"/api/v1/advocates/{advocate.id}", plain, json={"status": "paused", "title": "VP"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["title"], body["name"]) == ("paused", "VP", advocate.name)
    actions = set(
        db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_id == advocate.id))
    )
    assert {"advocate.updated", "advocate.status_changed"} <= actions


def test_status_move_the_lifecycle_refuses_is_409_naming_status_and_changes_nothing(db, api):
    advocate = AdvocateFactory(status="active", title="Director")
    _, plain = api.as_role("manager")
    response = api.patch(
        f"/api/v1/advocates/{advocate.id}", plain, json={"status": "invited", "title": "VP"}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert set(error["fields"]) == {"status"}
    db.session.refresh(advocate)
    assert (advocate.status, advocate.title) == ("active", "Director")


def test_csm_may_edit_own_advocate_but_not_its_status(db, api, two_csms):
    mine, _, plain = two_csms
    ok = api.patch(f"/api/v1/advocates/{mine.id}", plain, json={"title": "CFO"})
    assert ok.status_code == 200 and ok.get_json()["title"] == "CFO"
    refused = api.patch(f"/api/v1/advocates/{mine.id}", plain, json={"status": "paused"})
    assert refused.status_code == 403
    db.session.refresh(mine)
    assert mine.status == "active"


def test_invalid_patch_is_422_and_changes_nothing(db, api):
    advocate = AdvocateFactory(title="Director")
    _, plain = api.as_role("manager")
    response = api.patch(
        f"/api/v1/advocates/{advocate.id}", plain, json={"title": "VP", "seniority": "boss"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"seniority"}
    db.session.refresh(advocate)
    assert advocate.title == "Director"
