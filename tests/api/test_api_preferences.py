"""GET and PUT /api/v1/advocates/<id>/preferences: the advocate themself and the program team."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate, Blackout
from portal.audit.models import AuditEvent
from tests.factories import AccountFactory, AdvocateFactory, advocate_with_login

TERMS = "2026-01"


def consenting(**kwargs):
    return advocate_with_login(
        consent_at=dt.datetime.now(dt.UTC), consent_version=TERMS, timezone="UTC", **kwargs
    )


def future(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def path(advocate) -> str:
    return f"/api/v1/advocates/{advocate.id}/preferences"


FULL = {
    "activity_types": ["reference_call", "quote"],
    "max_per_month": 1,
    "max_per_quarter": 3,
    "max_per_year": None,
    "min_days_between": 21,
    "preferred_contact": "video",
}


@pytest.fixture
def me(db, api):
    advocate, user = consenting()
    return advocate, api.token(user)


def test_advocate_reads_own_preferences_with_the_program_defaults(db, api, me):
    advocate, token = me
    advocate.blackouts.append(
        Blackout(start=dt.date.today(), end=dt.date.today() + dt.timedelta(days=2), reason="Away")
    )
    advocate.blackouts.append(Blackout(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 2)))
    response = api.get(path(advocate), token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["advocate_id"] == advocate.id
    assert body["activity_types"] == ["reference_call", "case_study"]
    assert body["max_per_month"] is None
    assert body["defaults"] == {
        "max_per_month": 2,
        "max_per_quarter": 4,
        "max_per_year": 12,
        "min_days_between": 14,
    }
    assert [b["reason"] for b in body["blackouts"]] == ["Away"]  # ended periods are history


def test_put_replaces_preferences_and_blackouts_and_audits(db, api, me):
    advocate, token = me
    advocate.max_per_year = 9
    body = {**FULL, "blackouts": [{"start": future(5), "end": future(9), "reason": "On leave"}]}
    response = api.call("PUT", path(advocate), token, json=body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["max_per_month"] == 1 and answer["max_per_year"] is None
    assert answer["blackouts"][0]["reason"] == "On leave"
    db.session.expire_all()
    stored = db.session.get(Advocate, advocate.id)
    assert (stored.max_per_month, stored.max_per_year, stored.min_days_between) == (1, None, 21)
    assert stored.preferred_contact == "video"
    assert [(b.start.isoformat(), b.reason) for b in stored.blackouts] == [(future(5), "On leave")]
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.preferences_updated")
        .order_by(AuditEvent.id)
    )
    assert event.actor_id == advocate.user_id and event.data["max_per_year"] == [9, None]

    # Sending the same again changes nothing (no new event); an empty list removes blackouts.
    api.call("PUT", path(advocate), token, json=body)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "advocate.preferences_updated")
        )
        == 1
    )
    api.call("PUT", path(advocate), token, json={**FULL, "blackouts": []})
    db.session.expire_all()
    assert db.session.get(Advocate, advocate.id).blackouts == []


def test_a_manager_reads_and_replaces_any_advocates_preferences(db, api):
    advocate = AdvocateFactory()
    _, token = api.as_role("manager")
    assert api.get(path(advocate), token).status_code == 200
    assert api.call("PUT", path(advocate), token, json=FULL).status_code == 200
    db.session.expire_all()
    assert db.session.get(Advocate, advocate.id).max_per_month == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_per_month": -1}, "max_per_month"),
        ({"max_per_quarter": 51}, "max_per_quarter"),
        ({"max_per_year": "lots"}, "max_per_year"),
        ({"min_days_between": True}, "min_days_between"),
        ({"activity_types": ["reference_call", "juggling"]}, "activity_types"),
        ({"preferred_contact": "fax"}, "preferred_contact"),
        ({"paused_until": "2020-01-01"}, "paused_until"),
        ({"blackouts": [{"start": future(9), "end": future(2)}]}, "blackouts[0].end"),
        ({"blackouts": [{"start": "2020-01-01", "end": "2020-01-03"}]}, "blackouts[0].end"),
        (
            {"blackouts": [{"start": future(1), "end": future(2), "reason": "x" * 100_000}]},
            "blackouts[0].reason",
        ),
        (
            {"blackouts": [{"start": future(1), "end": future(2), "reason": "<script>x</script>"}]},
            "blackouts[0].reason",
        ),
        ({"blackouts": [{"end": future(2)}]}, "blackouts[0].start"),
        ({"nickname": "Ave"}, "nickname"),
    ],
)
def test_bad_preferences_answer_422_naming_the_field_and_write_nothing(db, api, me, change, field):
    advocate, token = me
    response = api.call("PUT", path(advocate), token, json={**FULL, **change})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    db.session.expire_all()
    stored = db.session.get(Advocate, advocate.id)
    assert stored.max_per_month is None and stored.blackouts == []


def test_a_body_that_is_not_an_object_is_400(db, api, me):
    advocate, token = me
    response = api.call(
        "PUT", path(advocate), token, data="[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400


def test_without_a_token_401(db, api, me):
    advocate, _ = me
    assert api.get(path(advocate), None).status_code == 401
    assert api.call("PUT", path(advocate), None, json=FULL).status_code == 401


def test_another_advocates_preferences_are_not_found(db, api, me):
    _, token = me
    other, _ = consenting()
    assert api.get(path(other), token).status_code == 404
    assert api.call("PUT", path(other), token, json=FULL).status_code == 404
    assert api.get("/api/v1/advocates/999999/preferences", token).status_code == 404
    db.session.expire_all()
    assert db.session.get(Advocate, other.id).max_per_month is None


@pytest.mark.parametrize("role", ["requester", "csm"])
def test_requesters_and_csms_may_not_see_or_change_preferences(db, api, role):
    user, token = api.as_role(role)
    advocate = AdvocateFactory(account=AccountFactory(csm=user if role == "csm" else None))
    assert api.get(path(advocate), token).status_code == 403
    assert api.call("PUT", path(advocate), token, json=FULL).status_code == 403


def test_a_read_only_token_may_not_put(db, api):
    advocate, user = consenting()
    token = api.token(user, scope="read")
    assert api.call("PUT", path(advocate), token, json=FULL).status_code == 403
    assert api.get(path(advocate), token).status_code == 200
