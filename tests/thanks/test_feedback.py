"""The advocate writes their own feedback on an activity (page and API): only on their own ask,
once it took place, at most 2000 characters, audited; the requester reads it on the request."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.service import create_api_token
from portal.errors import DomainError, NotFound
from portal.thanks import service as thanks
from tests.factories import AskFactory, advocate_with_login
from tests.thanks.helpers import completed_ask, team


def test_feedback_from_the_ask_page_reaches_the_request_page(app, client, auth, db):
    _, requester = team()
    advocate, user = advocate_with_login()
    ask = completed_ask(requester, advocate)
    db.session.commit()
    auth.login(user.email)
    history = client.get("/me/history").get_data(as_text=True)
    assert f"/me/asks/{ask.id}#your-feedback" in history and "Give feedback" in history
    response = client.post(
        f"/me/asks/{ask.id}/feedback", data={"feedback": "  Lovely people, sharp questions. "}
    )
    assert response.status_code == 302
    db.session.refresh(ask)
    assert ask.advocate_feedback == "Lovely people, sharp questions."
    [event] = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "ask.advocate_feedback")
        .order_by(AuditEvent.id)
    )
    assert event.actor_id == user.id and event.data["to"] == ask.advocate_feedback
    assert "Edit your feedback" in client.get("/me/history").get_data(as_text=True)
    auth.logout()
    auth.login(requester.email)
    page = client.get(f"/requests/{ask.request_id}").get_data(as_text=True)
    assert "feedback: “Lovely people, sharp questions.”" in page


def test_too_long_feedback_is_refused_next_to_the_field_and_writes_nothing(app, client, auth, db):
    _, requester = team()
    advocate, user = advocate_with_login()
    ask = completed_ask(requester, advocate)
    db.session.commit()
    auth.login(user.email)
    response = client.post(f"/me/asks/{ask.id}/feedback", data={"feedback": "x" * 2001})
    assert response.status_code == 422
    assert "longer than 2000 characters" in response.get_data(as_text=True)
    db.session.refresh(ask)
    assert ask.advocate_feedback is None
    with pytest.raises(DomainError, match="2000"):
        thanks.write_feedback(user, ask, "y" * 2001)


def test_feedback_opens_once_the_activity_took_place(db):
    advocate, user = advocate_with_login()
    pending = AskFactory(advocate=advocate)
    upcoming = AskFactory(
        advocate=advocate,
        status="accepted",
        scheduled_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
    )
    past = AskFactory(
        advocate=advocate,
        status="accepted",
        scheduled_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
    )
    for ask in (pending, upcoming):
        with pytest.raises(DomainError, match="once the activity has taken place"):
            thanks.write_feedback(user, ask, "Too early")
    assert thanks.write_feedback(user, past, "Went well") is True
    assert thanks.write_feedback(user, past, "Went well") is False  # unchanged: not audited
    other, other_user = advocate_with_login()
    with pytest.raises(NotFound):
        thanks.write_feedback(other_user, past, "Not mine")


def test_the_api_writes_only_the_advocates_own_feedback(app, db):
    manager, requester = team()
    advocate, user = advocate_with_login()
    other, other_user = advocate_with_login()
    ask = completed_ask(requester, advocate)
    tokens = {
        name: create_api_token(None, who)[1]
        for name, who in (("own", user), ("other", other_user), ("requester", requester))
    }
    db.session.commit()
    client = app.test_client()

    def put(token, body):
        return client.put(
            f"/api/v1/asks/{ask.id}/feedback",
            json=body,
            headers={"Authorization": f"Bearer {tokens[token]}"},
        )

    response = put("own", {"feedback": "Happy to do it again."})
    assert response.status_code == 200
    assert response.get_json()["advocate_feedback"] == "Happy to do it again."
    assert put("other", {"feedback": "x"}).status_code == 404
    assert put("requester", {"feedback": "x"}).status_code == 403
    bad = put("own", {"feedback": "x" * 2001})
    assert bad.status_code == 422 and "feedback" in bad.get_json()["error"]["fields"]
    assert put("own", {}).status_code == 422
    assert put("own", {"feedback": "x", "rating": 5}).status_code in (400, 422)
    db.session.refresh(ask)
    assert ask.advocate_feedback == "Happy to do it again."
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/asks/{ask_id}/feedback"]["put"]
    assert operation["operationId"] == "put_ask_feedback"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AskFeedbackInput"}


@pytest.mark.parametrize("feedback", ["Great\x00call", "<b>Great</b>"])
def test_feedback_with_a_nul_byte_or_markup_is_refused(db, feedback):
    # A NUL byte made PostgreSQL fail the update (a 500); markup is refused as everywhere.
    _, requester = team()
    advocate, user = advocate_with_login()
    ask = completed_ask(requester, advocate)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        thanks.write_feedback(user, ask, feedback)
    assert "feedback" in refused.value.fields
    assert ask.advocate_feedback is None
