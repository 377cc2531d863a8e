"""Requests, matches, asks and completion in the API, with their errors."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import asks, placing
from portal.asks.models import Ask, ReferenceRequest
from portal.benefits.models import LedgerEntry
from tests.factories import AdvocateFactory, ReferenceRequestFactory, advocate_with_login


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def body(**overrides) -> dict:
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "opportunity_amount": 250000,
        "needed_by": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "advocates_needed": 1,
        "criteria": {"industries": ["banking"], "languages": ["de"]},
        "context": "A call about payments.",
    }
    data.update(overrides)
    return data


def test_requester_files_and_reads_own_requests_only(api, db):
    requester, token = api.as_role("requester", team="sales")
    response = api.post("/api/v1/requests", token, json=body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "submitted"
    assert created["criteria"]["industries"] == ["banking"]
    assert created["opportunity_amount"] == "250000.00"
    assert response.headers["Location"].endswith(f"/api/v1/requests/{created['id']}")
    other = ReferenceRequestFactory()
    listed = api.get("/api/v1/requests", token).get_json()
    assert [r["id"] for r in listed["items"]] == [created["id"]] and listed["total"] == 1
    assert api.get(f"/api/v1/requests/{created['id']}", token).status_code == 200
    response = api.get(f"/api/v1/requests/{other.id}", token)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_draft_through_the_api(api, db):
    _, token = api.as_role("requester", team="pr")
    response = api.post("/api/v1/requests", token, json=body(status="draft"))
    assert response.status_code == 201 and response.get_json()["status"] == "draft"


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("needed_by", {"needed_by": "2000-01-01"}),
        ("opportunity_amount", {"opportunity_amount": -1}),
        ("opportunity_amount", {"opportunity_amount": "one million"}),
        ("criteria.industries", {"criteria": {"industries": ["nope"]}}),
        ("advocates_needed", {"advocates_needed": 21}),
        ("advocates_needed", {"advocates_needed": 0}),
        ("context", {"context": "x" * 100_000}),
        ("colour", {"colour": "blue"}),
    ],
)
def test_bad_request_bodies_answer_422_naming_the_field(api, db, field, change):
    _, token = api.as_role("requester", team="sales")
    response = api.post("/api/v1/requests", token, json=body(**change))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count(db, ReferenceRequest) == 0


def test_an_advocate_cannot_file_or_list_requests(api, db):
    _, user = advocate_with_login()
    token = api.token(user)
    assert api.get("/api/v1/requests", token).status_code == 403
    assert api.post("/api/v1/requests", token, json=body()).status_code == 403


def test_manager_gets_ranked_matches_with_reasons(api, db):
    _, token = api.as_role("manager")
    fit = AdvocateFactory(languages=["de"])
    plain = AdvocateFactory()
    AdvocateFactory(paused_until=dt.date.today() + dt.timedelta(days=5))
    request = ReferenceRequestFactory(criteria={"industries": ["banking"], "languages": ["de"]})
    response = api.get(f"/api/v1/requests/{request.id}/matches?limit=5", token)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert [m["advocate_id"] for m in data["items"]] == [fit.id, plain.id]
    first = data["items"][0]
    assert set(first) >= {"advocate_id", "advocate", "score", "reasons"}
    assert first["advocate"]["name"] == fit.name
    assert "speaks: German" in first["reasons"]
    assert first["score"] > data["items"][1]["score"]
    [miss] = data["near_misses"]
    assert "paused until" in miss["excluded_because"][0] and miss["free_from"]
    assert api.get(f"/api/v1/requests/{request.id}/matches?limit=0", token).status_code == 400


def test_requester_gets_no_matches_for_a_managed_activity_type(api, db):
    requester, token = api.as_role("requester", team="sales")
    request = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    assert api.get(f"/api/v1/requests/{request.id}/matches", token).status_code == 403
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    assert api.get(f"/api/v1/requests/{review.id}/matches", token).status_code == 200


def test_manager_places_an_ask_and_a_second_one_is_refused_naming_the_rule(api, db):
    _, token = api.as_role("manager")
    advocate = AdvocateFactory(max_per_month=1)
    first = ReferenceRequestFactory()
    second = ReferenceRequestFactory()
    response = api.post(
        f"/api/v1/requests/{first.id}/asks",
        token,
        json={
            "advocate_id": advocate.id,
            "respond_by": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 201, response.get_json()
    ask = response.get_json()
    assert ask["status"] == "pending" and ask["advocate_id"] == advocate.id
    assert response.headers["Location"].endswith(f"/api/v1/asks/{ask['id']}")
    response = api.post(
        f"/api/v1/requests/{second.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "monthly limit of 1 reached" in error["message"]
    assert "advocate_id" in error["fields"]
    response = api.post(
        f"/api/v1/requests/{first.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert (
        response.status_code == 409 and "already asked" in response.get_json()["error"]["message"]
    )
    assert count(db, Ask) == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "advocate_id"),
        ({"advocate_id": "seven"}, "advocate_id"),
        ({"advocate_id": 999999}, "advocate_id"),
        ({"advocate_id": "ADVOCATE", "respond_by": "soon"}, "respond_by"),
        ({"advocate_id": "ADVOCATE", "why": "x"}, "why"),
    ],
)
def test_bad_ask_bodies_answer_422(api, db, payload, field):
    _, token = api.as_role("manager")
    request = ReferenceRequestFactory()
    advocate = AdvocateFactory()
    payload = {k: advocate.id if v == "ADVOCATE" else v for k, v in payload.items()}
    response = api.post(f"/api/v1/requests/{request.id}/asks", token, json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_requester_cannot_place_a_managed_ask_but_can_a_self_service_one(api, db):
    requester, token = api.as_role("requester", team="sales")
    advocate = AdvocateFactory(activity_types=["peer_review", "reference_call"])
    call = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    response = api.post(
        f"/api/v1/requests/{call.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert response.status_code == 403
    response = api.post(
        f"/api/v1/requests/{review.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert response.status_code == 201


def test_requester_completes_with_a_rating_and_points_are_awarded(api, db):
    requester, token = api.as_role("requester", team="sales")
    manager, _ = api.as_role("manager")
    advocate, user = advocate_with_login()
    request = ReferenceRequestFactory(requester=requester, activity_type="case_study")
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    path = f"/api/v1/asks/{ask.id}/complete"
    response = api.post(path, token, json={"rating": 6})
    assert response.status_code == 422 and "rating" in response.get_json()["error"]["fields"]
    response = api.post(path, token, json={})
    assert response.status_code == 422
    assert count(db, LedgerEntry) == 0
    response = api.post(path, token, json={"rating": 5, "feedback": "Closed the deal."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "completed"
    assert response.get_json()["requester_rating"] == 5
    entry = db.session.scalars(sa.select(LedgerEntry)).one()
    assert (entry.delta, entry.reason, entry.ask_id) == (300, "activity", ask.id)
    assert api.post(path, token, json={"rating": 5}).status_code == 409


def test_others_cannot_complete_an_ask(api, db):
    manager, _ = api.as_role("manager")
    _, stranger = api.as_role("requester", team="sales")
    advocate, user = advocate_with_login(
        consent_at=dt.datetime.now(dt.UTC), consent_version="2026-01"
    )
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    asks.answer_ask(user, ask, accept=True)
    path = f"/api/v1/asks/{ask.id}/complete"
    assert api.post(path, stranger, json={"rating": 5}).status_code == 404
    assert api.post(path, api.token(user), json={"rating": 5}).status_code == 404


def test_requester_self_service_ask_to_an_advocate_not_offered_names_nobody(api, db):
    requester, token = api.as_role("requester", team="sales")
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    offered = AdvocateFactory(activity_types=["peer_review"])
    paused = AdvocateFactory(name="Paula Paused", status="paused", activity_types=["peer_review"])
    busy = AdvocateFactory(name="Bea Busy", max_per_month=0, activity_types=["peer_review"])
    opted_out = AdvocateFactory(name="Olaf Out", activity_types=["reference_call"])
    path = f"/api/v1/requests/{review.id}/asks"
    answers = [
        api.post(path, token, json={"advocate_id": advocate_id})
        for advocate_id in (paused.id, busy.id, opted_out.id, 999_999)
    ]
    assert {(r.status_code, r.get_data(as_text=True)) for r in answers} == {
        (answers[-1].status_code, answers[-1].get_data(as_text=True))
    }
    error = answers[0].get_json()["error"]
    assert answers[0].status_code == 422
    assert error["message"] == "That advocate isn't one of this request's matches."
    assert count(db, Ask) == 0
    assert api.post(path, token, json={"advocate_id": offered.id}).status_code == 201


def test_an_overdue_request_reads_expired_and_the_job_saves_it(api, db, runner):
    """The answer shows the true state; reading writes nothing (the expire-asks job does)."""
    requester, token = api.as_role("requester", team="sales")
    found = ReferenceRequestFactory(
        requester=requester, status="submitted", needed_by=dt.date.today() - dt.timedelta(days=3)
    )
    pending = Ask(
        request=found,
        advocate=AdvocateFactory(),
        status="pending",
        asked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9),
        respond_by=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )
    db.session.add(pending)
    db.session.commit()
    answer = api.get(f"/api/v1/requests/{found.id}", token).get_json()
    assert answer["status"] == "expired"
    db.session.expire_all()
    assert db.session.get(ReferenceRequest, found.id).status == "submitted"
    assert db.session.get(Ask, pending.id).status == "pending"
    assert runner.invoke(args=["expire-asks"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(ReferenceRequest, found.id).status == "expired"
    assert db.session.get(Ask, pending.id).status == "expired"
