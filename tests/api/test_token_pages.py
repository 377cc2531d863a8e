"""Users manage their own API tokens on a page; admins see and revoke anyone's."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.auth.models import ApiToken
from tests.factories import UserFactory


def _create(client, **data):
    form = {"name": "CRM sync", "scope": "read", "expires": "30", **data}
    return client.post("/auth/tokens/", data=form)


def _plain(response) -> str:
    return re.search(r"ap_[A-Za-z0-9_-]{20,}", response.get_data(as_text=True)).group(0)


def test_a_user_creates_a_token_shown_once_that_works(db, client, auth):
    UserFactory(email="mgr@example.com", role="manager")
    db.session.commit()
    auth.login("mgr@example.com")
    response = _create(client, scope="read_write", expires="90")
    assert response.status_code == 200
    plain = _plain(response)
    assert "shown only this once" in response.get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken))
    assert (token.name, token.scope) == ("CRM sync", "read_write")
    assert token.expires_at is not None
    api = client.application.test_client()
    assert (
        api.get("/api/v1/accounts", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    )
    page = client.get("/auth/tokens/").get_data(as_text=True)
    assert plain not in page  # never shown again
    assert token.prefix in page and "CRM sync" in page


def test_a_read_token_may_not_write(db, client, auth):
    UserFactory(email="mgr@example.com", role="manager")
    db.session.commit()
    auth.login("mgr@example.com")
    plain = _plain(_create(client, scope="read", expires="never"))
    api = client.application.test_client()
    response = api.post(
        "/api/v1/accounts",
        json={"name": "X"},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_nameless_token_is_refused_at_the_field(db, client, auth):
    UserFactory(email="mgr@example.com", role="manager")
    db.session.commit()
    auth.login("mgr@example.com")
    response = _create(client, name="")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoke_own_token_and_it_stops_working(db, client, auth):
    UserFactory(email="adv@example.com", role="requester")
    db.session.commit()
    auth.login("adv@example.com")
    plain = _plain(_create(client))
    token = db.session.scalar(sa.select(ApiToken))
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 302
    api = client.application.test_client()
    assert api.get("/api/v1/asks", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert "Revoked" in client.get("/auth/tokens/").get_data(as_text=True)


def test_only_admins_revoke_another_users_token(db, client, auth):
    from portal.auth.service import create_api_token

    owner = UserFactory(email="owner@example.com", role="requester")
    UserFactory(email="mgr@example.com", role="manager")
    UserFactory(email="adm@example.com", role="admin")
    token, _ = create_api_token(None, owner, name="owner's")
    db.session.commit()
    auth.login("mgr@example.com")
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/admin/tokens/").status_code == 403
    auth.logout()
    auth.login("adm@example.com")
    listing = client.get("/admin/tokens/").get_data(as_text=True)
    assert "owner@example.com" in listing and "owner&#39;s" in listing
    response = client.post(f"/auth/tokens/{token.id}/revoke", data={"next": "/admin/tokens/"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/tokens/"
    db.session.expire_all()
    assert token.revoked_at is not None
