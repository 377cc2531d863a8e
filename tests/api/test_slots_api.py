"""The times-to-meet API: offer, list and pick, with the service's rules and clear errors."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.notifications.models import OutboxMessage
from tests.api.test_openapi import assert_matches, resolve
from tests.asks.test_slots import build_people, local, written
from tests.factories import UserFactory

UTC = dt.UTC


@pytest.fixture
def people(db, api):
    people = build_people()
    people.tokens = {
        name: api.token(getattr(people, name)) for name in ("user", "requester", "manager")
    }
    return people


def url(people, tail: str = "") -> str:
    return f"/api/v1/asks/{people.ask.id}/slots{tail}"


def test_advocate_offers_and_the_requester_lists_and_picks(db, api, people):
    first, second = local(3, 10), local(4, 14, 30)
    response = api.post(
        url(people),
        people.tokens["user"],
        json={"starts_at": [second.isoformat(), first.isoformat()]},
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith(url(people))
    items = response.get_json()["items"]
    assert [item["starts_at"] for item in items] == [
        first.astimezone(UTC).isoformat(),
        second.astimezone(UTC).isoformat(),
    ]
    assert {(i["proposed_by"], i["status"], i["ask_id"]) for i in items} == {
        ("advocate", "offered", people.ask.id)
    }

    listed = api.get(url(people), people.tokens["requester"]).get_json()
    assert listed["total"] == 2 and [i["id"] for i in listed["items"]] == [i["id"] for i in items]

    picked = api.post(url(people, f"/{items[1]['id']}/pick"), people.tokens["requester"])
    assert picked.status_code == 200
    assert picked.get_json()["status"] == "picked"
    ask = api.get(f"/api/v1/asks/{people.ask.id}", people.tokens["requester"]).get_json()
    assert ask["scheduled_at"] == second.astimezone(UTC).isoformat()
    recipients = db.session.scalars(
        sa.select(OutboxMessage.recipient).where(OutboxMessage.template == "ask_scheduled")
    ).all()
    assert sorted(recipients) == sorted([people.advocate.email, people.requester.email])

    offered = api.get(url(people) + "?status=offered", people.tokens["user"]).get_json()
    assert offered["items"] == [] and offered["total"] == 0
    withdrawn = api.get(url(people) + "?status=withdrawn", people.tokens["manager"]).get_json()
    assert [i["id"] for i in withdrawn["items"]] == [items[0]["id"]]


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"starts_at": []}, 422, "starts_at", "at least one time"),
        ({"starts_at": ["2027-01-12T15:00"]}, 422, "starts_at", "UTC offset"),
        ({"starts_at": "2027-01-12T15:00:00+01:00"}, 422, "starts_at", "Give a list"),
        ({"starts_at": [None]}, 422, "starts_at", "isn't a date and time"),
        ({}, 422, "starts_at", "Give a list"),
        ({"starts_at": [], "when": "soon"}, 422, "when", "Unknown field"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field_and_write_nothing(
    db, api, people, body, status, field, words
):
    before = written(db)
    response = api.post(url(people), people.tokens["user"], json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert field in error["fields"] and words in error["fields"][field]
    assert written(db) == before


def test_a_body_that_is_not_json_is_a_400(db, api, people):
    response = api.post(url(people), people.tokens["user"], data="starts_at=soon")
    assert response.status_code == 400


def test_the_rules_refuse_with_409(db, api, people):
    offered = api.post(
        url(people), people.tokens["user"], json={"starts_at": [local(3, 10).isoformat()]}
    ).get_json()["items"]
    before = written(db)
    # The advocate can't book their own time; a time of another round or ask is not found.
    response = api.post(url(people, f"/{offered[0]['id']}/pick"), people.tokens["user"])
    assert response.status_code == 409
    assert "the requester picks" in response.get_json()["error"]["fields"]["slot_id"]
    assert api.post(url(people, "/999999/pick"), people.tokens["requester"]).status_code == 404
    people.ask.status = "declined"
    db.session.commit()
    response = api.post(
        url(people), people.tokens["requester"], json={"starts_at": [local(3, 10).isoformat()]}
    )
    assert response.status_code == 409
    assert "only an accepted one" in response.get_json()["error"]["message"]
    assert written(db) == before


def test_strangers_do_not_see_the_times(db, api, people):
    before = written(db)
    strangers = [UserFactory(role="requester", team="sales"), UserFactory(role="csm")]
    for stranger in strangers:
        token = api.token(stranger)
        assert api.get(url(people), token).status_code == 404
        assert api.post(url(people), token, json={"starts_at": []}).status_code == 404
    assert api.get(url(people), None).status_code == 401
    assert written(db) == before


def test_answers_match_the_openapi_document(db, api, people):
    document = api.get("/api/v1/openapi.json", None).get_json()
    created = api.post(
        url(people), people.tokens["user"], json={"starts_at": [local(3, 10).isoformat()]}
    )
    path = "/api/v1/asks/{ask_id}/slots"
    schema = resolve(document, document["paths"][path]["post"]["responses"]["201"])
    assert_matches(
        document, schema["content"]["application/json"]["schema"], created.get_json(), "post"
    )
    listed = api.get(url(people), people.tokens["requester"]).get_json()
    schema = resolve(document, document["paths"][path]["get"]["responses"]["200"])
    assert_matches(document, schema["content"]["application/json"]["schema"], listed, "get")
    slot_id = created.get_json()["items"][0]["id"]
    picked = api.post(url(people, f"/{slot_id}/pick"), people.tokens["requester"]).get_json()
    pick = document["paths"][path + "/{slot_id}/pick"]["post"]["responses"]["200"]
    schema = resolve(document, pick)
    assert_matches(document, schema["content"]["application/json"]["schema"], picked, "pick")
