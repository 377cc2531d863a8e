"""List filters every client relies on (status, updated_since) and ids beyond the database."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.benefits.models import Claim
from portal.database import now_utc
from tests.factories import (
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    advocate_with_login,
)

LONG_AGO = now_utc() - dt.timedelta(days=400)


def _old(*objects):
    for obj in objects:
        obj.updated_at = LONG_AGO


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


@pytest.fixture
def program(db):
    advocate, _ = advocate_with_login()
    old_request, new_request = ReferenceRequestFactory(), ReferenceRequestFactory()
    old_ask = AskFactory(request=old_request, advocate=advocate)
    new_ask = AskFactory(request=new_request, advocate=advocate, status="accepted")
    old_benefit = BenefitFactory(kind="training", capacity=5)
    new_benefit = BenefitFactory(kind="training", capacity=5)
    old_claim = Claim(benefit=old_benefit, advocate=advocate, status="approved", details={})
    new_claim = Claim(benefit=new_benefit, advocate=advocate, status="requested", details={})
    db.session.add_all([old_claim, new_claim])
    db.session.flush()
    _old(old_request, old_ask, old_benefit, old_claim)
    db.session.commit()
    return {
        "requests": (old_request.id, new_request.id),
        "asks": (old_ask.id, new_ask.id),
        "benefits": (old_benefit.id, new_benefit.id),
        "claims": (old_claim.id, new_claim.id),
    }


@pytest.mark.parametrize("resource", ["requests", "asks", "benefits", "claims"])
def test_updated_since_lists_only_what_changed(api, program, resource):
    _, token = api.as_role("manager")
    old, new = program[resource]
    everything = _ids(api.get(f"/api/v1/{resource}", token))
    assert {old, new} <= everything
    since = (now_utc() - dt.timedelta(days=30)).date().isoformat()
    recent = _ids(api.get(f"/api/v1/{resource}?updated_since={since}", token))
    assert new in recent and old not in recent


@pytest.mark.parametrize("resource", ["requests", "asks", "benefits", "claims"])
def test_a_bad_updated_since_is_400_naming_the_field(api, db, resource):
    _, token = api.as_role("manager")
    response = api.get(f"/api/v1/{resource}?updated_since=last-tuesday", token)
    assert response.status_code == 400
    assert "updated_since" in response.get_json()["error"]["fields"]


def test_status_filters(api, program):
    _, token = api.as_role("manager")
    assert _ids(api.get("/api/v1/asks?status=accepted", token)) == {program["asks"][1]}
    assert _ids(api.get("/api/v1/claims?status=approved", token)) == {program["claims"][0]}
    response = api.get("/api/v1/asks?status=eaten", token)
    assert response.status_code == 400 and "status" in response.get_json()["error"]["fields"]


def test_ids_beyond_the_database_are_refused_cleanly(api, db):
    _, token = api.as_role("manager")
    huge = 2**70
    assert api.get(f"/api/v1/accounts/{huge}", token).status_code == 404
    assert api.get(f"/api/v1/claims?advocate_id={huge}", token).status_code == 400
    response = api.post("/api/v1/advocates", token, json={"account_id": huge, "name": "X"})
    assert response.status_code == 422
    assert "account_id" in response.get_json()["error"]["fields"]
    response = api.post(
        "/api/v1/benefits",
        token,
        json={"kind": "training", "title": "T", "allowed_advocate_ids": [1, -huge]},
    )
    assert response.status_code == 422
    assert "allowed_advocate_ids" in response.get_json()["error"]["fields"]
    response = api.post("/api/v1/advocates", token, json={"timezone": {"not": "text"}})
    assert response.status_code == 422
    assert "timezone" in response.get_json()["error"]["fields"]


def test_a_number_too_large_for_its_column_is_a_client_error(api, db):
    _, token = api.as_role("manager")
    response = api.post(
        "/api/v1/benefits",
        token,
        json={"kind": "training", "title": "Big", "capacity": 2**70, "points_cost": 2**70},
    )
    assert response.status_code in (400, 422)
    assert set(response.get_json()) == {"error"}
