"""API authentication: bearer tokens only, scopes, and the JSON error shape."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import g
from flask_login import current_user

from portal.accounts.models import Account
from portal.auth.models import ApiToken
from portal.database import now_utc
from tests.factories import PASSWORD, AccountFactory, UserFactory

NEW_ACCOUNT = {
    "name": "Nordbank AG",
    "industry": "banking",
    "segment": "enterprise",
    "region": "emea",
}


def account_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Account))


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"]


def test_request_without_token_is_401_with_bearer_challenge(db, api):
    assert_unauthorized(api.get("/api/v1/accounts", None))


@pytest.mark.parametrize(
    "header", ["Token abc", "Bearer", "Bearer ", "Bearer two words", "Basic dXNlcjpwYXNz"]
)
def test_malformed_authorization_header_is_401(db, api, header):
    UserFactory(role="manager")
    db.session.commit()
    response = api.client.get("/api/v1/accounts", headers={"Authorization": header})
    assert_unauthorized(response)


def test_unknown_token_is_401(db, api):
    assert_unauthorized(api.get("/api/v1/accounts", "ap_not-a-real-token"))


def test_revoked_token_is_401(db, api):
    user = UserFactory(role="manager")
    plain = api.token(user)
    assert api.get("/api/v1/accounts", plain).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    token.revoked_at = now_utc()
    db.session.commit()
    assert_unauthorized(api.get("/api/v1/accounts", plain))


def test_expired_token_is_401(db, api):
    user = UserFactory(role="manager")
    plain = api.token(user, expires_at=now_utc() + dt.timedelta(days=1))
    assert api.get("/api/v1/accounts", plain).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    token.expires_at = now_utc() - dt.timedelta(seconds=1)
    db.session.commit()
    assert_unauthorized(api.get("/api/v1/accounts", plain))


def test_token_of_deactivated_user_is_401(db, api):
    user, plain = api.as_role("manager")
    user.active = False
    db.session.commit()
    assert_unauthorized(api.get("/api/v1/accounts", plain))


def test_signed_in_session_does_not_open_the_api(db, api, auth):
    UserFactory(role="manager", email="mia@example.com")
    db.session.commit()
    assert auth.login("mia@example.com", PASSWORD).status_code == 302
    assert_unauthorized(api.get("/api/v1/accounts", None))


def test_api_answers_set_no_cookie(db, api):
    _, plain = api.as_role("manager")
    response = api.get("/api/v1/accounts", plain)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_token_user_becomes_current_user_and_use_is_recorded(db, api):
    user, plain = api.as_role("csm")
    with api.client:
        assert api.get("/api/v1/accounts", plain).status_code == 200
        assert g.api_user.id == user.id
        assert current_user.id == user.id
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_read_token_may_read_but_not_write(db, api):
    user = UserFactory(role="manager")
    account = AccountFactory()
    plain = api.token(user, scope="read")
    assert api.get("/api/v1/accounts", plain).status_code == 200
    assert api.get(f"/api/v1/accounts/{account.id}", plain).status_code == 200
    before = account_count(db)

    created = api.post("/api/v1/accounts", plain, json=NEW_ACCOUNT)
    changed = api.patch(f"/api/v1/accounts/{account.id}", plain, json={"name": "Renamed"})

    for response in (created, changed):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert account_count(db) == before
    db.session.refresh(account)
    assert account.name != "Renamed"


def test_api_writes_need_no_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from portal.auth.service import create_api_token
        from portal.extensions import db

        user = UserFactory(role="manager")
        _, plain = create_api_token(None, user)
        db.session.commit()
        response = app.test_client().post(
            "/api/v1/accounts", json=NEW_ACCOUNT, headers={"Authorization": f"Bearer {plain}"}
        )
        assert response.status_code == 201, response.get_json()


def test_openapi_document_needs_no_token(db, api):
    response = api.get("/api/v1/openapi.json", None)
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_unknown_api_path_is_a_json_404(db, api):
    _, plain = api.as_role("manager")
    response = api.get("/api/v1/nothing-here", plain)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unsupported_method_is_a_json_405(db, api):
    _, plain = api.as_role("manager")
    response = api.call("DELETE", "/api/v1/accounts", plain)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_validation_error_has_exactly_code_message_and_fields(db, api):
    _, plain = api.as_role("manager")
    response = api.post("/api/v1/accounts", plain, json={**NEW_ACCOUNT, "name": ""})
    assert response.status_code == 422
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["fields"] == {"name": "This field is required."}


def test_non_json_body_is_400_naming_body(db, api):
    _, plain = api.as_role("manager")
    before = account_count(db)
    for kwargs in (
        {"data": "name=Nordbank", "content_type": "application/x-www-form-urlencoded"},
        {"data": "{not json", "content_type": "application/json"},
        {"json": ["a", "list"]},
        {"json": None},
    ):
        response = api.post("/api/v1/accounts", plain, **kwargs)
        assert response.status_code == 400, kwargs
        error = response.get_json()["error"]
        assert error["code"] == "bad_request"
        assert set(error["fields"]) == {"body"}
    assert account_count(db) == before
