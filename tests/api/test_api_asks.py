"""GET /api/v1/asks, GET /api/v1/asks/<id>, POST .../accept and .../decline."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks.models import Ask
from portal.audit.models import AuditEvent
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory, advocate_with_login

TERMS = "2026-01"


def now():
    return dt.datetime.now(dt.UTC)


def consenting(**kwargs):
    return advocate_with_login(consent_at=now(), consent_version=TERMS, **kwargs)


@pytest.fixture
def me(db, api):
    advocate, user = consenting()
    return advocate, api.token(user)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def status_of(db, ask) -> str:
    db.session.expire_all()
    return db.session.get(Ask, ask.id).status


def test_an_advocate_lists_only_their_own_asks_paginated(db, api, me):
    advocate, token = me
    mine = [AskFactory(advocate=advocate, asked_at=now() - dt.timedelta(days=n)) for n in range(3)]
    other, _ = consenting()
    AskFactory(advocate=other)
    response = api.get("/api/v1/asks?per_page=2", token)
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 2)
    assert ids(response) == [mine[0].id, mine[1].id]
    assert ids(api.get("/api/v1/asks?page=2&per_page=2", token)) == [mine[2].id]
    item = body["items"][0]
    assert item["advocate_id"] == advocate.id and item["status"] == "pending"
    assert item["request"]["activity_type"] == "reference_call"
    assert item["request"]["context"] == "A 30-minute call about the migration."
    # Filtering by another advocate's id finds nothing rather than their asks.
    assert ids(api.get(f"/api/v1/asks?advocate_id={other.id}", token)) == []


def test_a_requester_lists_the_asks_of_their_own_requests_and_a_manager_all(db, api):
    requester, token = api.as_role("requester", team="sales")
    own = AskFactory(request=ReferenceRequestFactory(requester=requester))
    theirs = AskFactory()
    _, manager_token = api.as_role("manager")
    assert ids(api.get("/api/v1/asks", token)) == [own.id]
    assert api.get(f"/api/v1/asks/{theirs.id}", token).status_code == 404
    assert sorted(ids(api.get("/api/v1/asks", manager_token))) == sorted([own.id, theirs.id])
    assert ids(api.get("/api/v1/asks?status=accepted", manager_token)) == []
    assert api.get("/api/v1/asks?status=maybe", manager_token).status_code == 400


def test_an_advocate_gets_their_own_ask_and_not_anothers_by_guessing_ids(db, api, me):
    advocate, token = me
    mine = AskFactory(advocate=advocate)
    other, _ = consenting()
    theirs = AskFactory(advocate=other, request=ReferenceRequestFactory(prospect_company="Secret"))
    assert api.get(f"/api/v1/asks/{mine.id}", token).get_json()["id"] == mine.id
    for response in (
        api.get(f"/api/v1/asks/{theirs.id}", token),
        api.post(f"/api/v1/asks/{theirs.id}/accept", token, json={}),
        api.post(f"/api/v1/asks/{theirs.id}/decline", token, json={"reason": "too_busy"}),
        api.get("/api/v1/asks/999999", token),
    ):
        assert response.status_code == 404
        assert "Secret" not in response.get_data(as_text=True)
    assert status_of(db, theirs) == "pending"


def test_accept_with_proposed_times_and_note(db, api, me):
    advocate, token = me
    ask = AskFactory(advocate=advocate)
    response = api.post(
        f"/api/v1/asks/{ask.id}/accept",
        token,
        json={"proposed_times": "Mon 10-12 CET", "note": "Glad to help."},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["proposed_times"], body["note"]) == (
        "accepted",
        "Mon 10-12 CET",
        "Glad to help.",
    )
    assert (
        db.session.scalar(
            sa.select(AuditEvent.action).where(
                AuditEvent.entity == "asks", AuditEvent.entity_id == ask.id
            )
        )
        == "ask.accepted"
    )


def test_decline_with_a_reason(db, api, me):
    advocate, token = me
    ask = AskFactory(advocate=advocate)
    response = api.post(
        f"/api/v1/asks/{ask.id}/decline",
        token,
        json={"reason": "not_a_fit", "note": "Wrong region."},
    )
    assert response.status_code == 200
    assert response.get_json()["decline_reason"] == "not_a_fit"
    assert status_of(db, ask) == "declined"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("decline", {}, "reason"),
        ("decline", {"reason": "lazy"}, "reason"),
        ("decline", {"reason": "other", "note": "x" * 100_000}, "note"),
        ("decline", {"reason": "other", "note": "<script>alert(1)</script>"}, "note"),
        ("accept", {"proposed_times": "y" * 501}, "proposed_times"),
        ("accept", {"note": 42}, "note"),
        ("accept", {"reason": "too_busy"}, "reason"),
    ],
)
def test_bad_answers_are_422_naming_the_field_and_write_nothing(db, api, me, action, body, field):
    advocate, token = me
    ask = AskFactory(advocate=advocate)
    response = api.post(f"/api/v1/asks/{ask.id}/{action}", token, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert status_of(db, ask) == "pending"


def test_a_late_answer_is_409_and_the_ask_then_shows_expired(db, api, me):
    advocate, token = me
    ask = AskFactory(
        advocate=advocate,
        asked_at=now() - dt.timedelta(days=6),
        respond_by=now() - dt.timedelta(minutes=1),
    )
    response = api.post(f"/api/v1/asks/{ask.id}/accept", token, json={})
    assert response.status_code == 409
    assert "expired" in response.get_json()["error"]["message"]
    assert status_of(db, ask) == "expired"
    assert api.get(f"/api/v1/asks/{ask.id}", token).get_json()["status"] == "expired"


def test_answering_twice_is_409(db, api, me):
    advocate, token = me
    ask = AskFactory(advocate=advocate)
    assert (
        api.post(f"/api/v1/asks/{ask.id}/decline", token, json={"reason": "timing"}).status_code
        == 200
    )
    second = api.post(f"/api/v1/asks/{ask.id}/accept", token, json={})
    assert second.status_code == 409
    assert status_of(db, ask) == "declined"


@pytest.mark.parametrize("role", ["manager", "requester"])
def test_only_the_advocate_answers(db, api, role):
    user, token = api.as_role(role)
    ask = AskFactory(
        request=ReferenceRequestFactory(
            requester=user if role == "requester" else UserFactory(role="requester")
        )
    )
    response = api.post(f"/api/v1/asks/{ask.id}/accept", token, json={})
    assert response.status_code == 403
    assert status_of(db, ask) == "pending"


def test_without_a_token_401_and_with_a_read_token_403(db, api, me):
    advocate, _ = me
    ask = AskFactory(advocate=advocate)
    assert api.get("/api/v1/asks", None).status_code == 401
    assert api.post(f"/api/v1/asks/{ask.id}/accept", None, json={}).status_code == 401
    read = api.token(advocate.user, scope="read")
    assert api.post(f"/api/v1/asks/{ask.id}/accept", read, json={}).status_code == 403
    assert status_of(db, ask) == "pending"
