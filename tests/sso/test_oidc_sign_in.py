"""Staff single sign-on against a real OpenID Connect provider, and every refusal."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth import service
from portal.auth.models import User
from portal.auth.sso_models import SsoIdentity
from portal.extensions import db as _db
from tests.conftest import PASSWORD
from tests.factories import UserFactory, advocate_with_login
from tests.sso.conftest import drive_provider, local, sso_sign_in


def _counts(app):
    with app.app_context():
        return (
            _db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            _db.session.scalar(sa.select(sa.func.count()).select_from(SsoIdentity)),
            _db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
        )


def _user(app, email):
    with app.app_context():
        user = _db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            _db.session.expunge(user)
        return user


def test_start_uses_pkce_state_and_nonce(sso_app):
    response = sso_app.test_client().get("/auth/sso/")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://localhost/auth/sso/callback"]
    assert "code_verifier" not in query


def test_sign_in_provisions_an_admin_from_the_group_claim(sso_app):
    client = sso_app.test_client()
    response = sso_sign_in(client, "ann", next_path="/admin/users/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users/"
    assert client.get("/admin/users/").status_code == 200
    user = _user(sso_app, "ann@corp.example")
    assert (user.role, user.active, user.name) == ("admin", True, "Ann Admin")
    with sso_app.app_context():
        identity = _db.session.scalar(sa.select(SsoIdentity))
        assert (identity.subject, identity.user_id, identity.awaiting_role) == (
            "ann",
            user.id,
            False,
        )
        actions = set(_db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.provisioned_by_sso", "user.sso_linked", "user.signed_in"} <= actions


def test_second_sign_in_uses_the_linked_identity(sso_app):
    sso_sign_in(sso_app.test_client(), "mia")
    response = sso_sign_in(sso_app.test_client(), "mia")
    assert response.status_code == 302
    assert _user(sso_app, "mia@corp.example").role == "manager"  # e-mail normalised
    assert _counts(sso_app)[:2] == (1, 1)


def test_role_from_the_email_domain_when_no_group_maps(sso_app):
    assert sso_sign_in(sso_app.test_client(), "dora").status_code == 302
    assert _user(sso_app, "dora@corp.example").role == "requester"


def test_unmapped_user_gets_no_access_until_an_admin_grants_a_role(sso_app):
    client = sso_app.test_client()
    response = sso_sign_in(client, "nora")
    assert response.status_code == 403
    assert "no access yet" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # not signed in
    user = _user(sso_app, "nora@elsewhere.example")
    assert user.active is False
    with sso_app.app_context():
        admin = UserFactory(role="admin")
        service.update_user(
            admin, _db.session.get(User, user.id), role="csm", team=None, active=True
        )
        _db.session.commit()
    response = sso_sign_in(client, "nora")
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    with sso_app.app_context():
        assert _db.session.scalar(sa.select(SsoIdentity.awaiting_role)) is False


def test_existing_user_is_linked_by_verified_email_and_keeps_their_role(sso_app):
    with sso_app.app_context():
        UserFactory(email="existing@corp.example", role="csm")
        _db.session.commit()
    assert sso_sign_in(sso_app.test_client(), "ed").status_code == 302
    assert _user(sso_app, "existing@corp.example").role == "csm"
    assert _counts(sso_app)[:2] == (1, 1)


def test_unverified_email_is_refused_and_nothing_written(sso_app):
    before = _counts(sso_app)
    response = sso_sign_in(sso_app.test_client(), "ulla")
    assert response.status_code == 403
    assert "verified e-mail" in response.get_data(as_text=True)
    assert _counts(sso_app) == before


def test_advocates_can_not_use_staff_sign_on(sso_app):
    with sso_app.app_context():
        advocate, user = advocate_with_login(email="advocate@customer.example")
        _db.session.commit()
    before = _counts(sso_app)
    response = sso_sign_in(sso_app.test_client(), "ada")
    assert response.status_code == 403
    assert _counts(sso_app) == before


def test_deactivated_user_is_refused(sso_app):
    with sso_app.app_context():
        UserFactory(email="existing@corp.example", role="manager", active=False)
        _db.session.commit()
    assert sso_sign_in(sso_app.test_client(), "ed").status_code == 403


def test_wrong_state_is_refused_and_nothing_written(sso_app):
    client = sso_app.test_client()
    start = client.get("/auth/sso/")
    callback = drive_provider(start.headers["Location"], "ann")
    before = _counts(sso_app)
    forged = callback.replace("state=", "state=forged")
    response = client.get(local(forged))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "could not confirm your sign-in" in body and "State" not in body
    assert _counts(sso_app) == before
    assert client.get("/home").status_code == 302


def test_replayed_callback_is_refused(sso_app):
    client = sso_app.test_client()
    start = client.get("/auth/sso/")
    callback = local(drive_provider(start.headers["Location"], "ann"))
    assert client.get(callback).status_code == 302
    client.post("/auth/sign-out")
    before = _counts(sso_app)
    assert client.get(callback).status_code == 400
    assert _counts(sso_app) == before


def test_wrong_nonce_is_refused_and_nothing_written(sso_app):
    client = sso_app.test_client()
    start = client.get("/auth/sso/")
    callback = drive_provider(start.headers["Location"], "ann")
    with client.session_transaction() as session:
        key = next(k for k in session if k.startswith("_state_portal_oidc_"))
        stored = dict(session[key])
        stored["data"] = {**stored["data"], "nonce": "not-the-nonce-sent"}
        session[key] = stored
    before = _counts(sso_app)
    assert client.get(local(callback)).status_code == 400
    assert _counts(sso_app) == before


def test_wrong_issuer_is_refused(app_factory, sso_config, oidc_issuer):
    # The same provider under another name: its discovery document names a different issuer.
    config = {**sso_config, "OIDC_ISSUER": oidc_issuer.replace("127.0.0.1", "localhost")}
    app = app_factory(**config)
    client = app.test_client()
    start = client.get("/auth/sso/")
    assert start.status_code == 302
    callback = drive_provider(start.headers["Location"], "ann")
    before = _counts(app)
    assert client.get(local(callback)).status_code == 400
    assert _counts(app) == before


def test_error_from_the_provider_is_refused(sso_app):
    client = sso_app.test_client()
    start = client.get("/auth/sso/")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    response = client.get(f"/auth/sso/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "access_denied" not in response.get_data(as_text=True)


def test_sso_only_refuses_staff_passwords_but_not_advocates(app_factory, sso_config):
    app = app_factory(**sso_config, SSO_ONLY=True)
    with app.app_context():
        UserFactory(email="mgr@corp.example", role="manager")
        advocate_with_login(email="someone@customer.example")
        _db.session.commit()
    client = app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert "single sign-on" in page
    refused = client.post("/auth/sign-in", data={"email": "mgr@corp.example", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Staff sign in with single sign-on" in refused.get_data(as_text=True)
    allowed = client.post(
        "/auth/sign-in", data={"email": "someone@customer.example", "password": PASSWORD}
    )
    assert allowed.status_code == 302


def test_sso_routes_are_not_found_when_sso_is_off(client):
    assert client.get("/auth/sso/").status_code == 404
    assert client.get("/auth/sso/callback?code=x&state=y").status_code == 404
    assert "single sign-on" not in client.get("/auth/sign-in").get_data(as_text=True)


@pytest.mark.parametrize(
    "claims", [{"groups": "portal-admins"}, {"groups": ["x", "portal-managers"]}]
)
def test_role_mapping_accepts_a_string_or_a_list(sso_app, claims):
    from portal.auth.sso import mapped_role

    with sso_app.app_context():
        assert mapped_role(claims, "a@b.example") in ("admin", "manager")


def test_admins_see_who_awaits_a_role(sso_app):
    sso_sign_in(sso_app.test_client(), "nora")
    with sso_app.app_context():
        UserFactory(email="boss@corp.example", role="admin")
        _db.session.commit()
    admin = sso_app.test_client()
    admin.post("/auth/sign-in", data={"email": "boss@corp.example", "password": PASSWORD})
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "nora@elsewhere.example" in page and "Awaiting a role" in page


def test_users_who_came_in_by_single_sign_on_are_active_not_invited(sso_app):
    assert sso_sign_in(sso_app.test_client(), "dora").status_code == 302
    admin = sso_app.test_client()
    sso_sign_in(admin, "ann")
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "dora@corp.example" in page and "ann@corp.example" in page
    assert "Invited" not in page and "Send invitation again" not in page
    assert page.count(">Active</span>") == 2


def test_an_unreachable_provider_gets_a_calm_page(app_factory, sso_config):
    from tests.sso.conftest import free_port

    app = app_factory(**{**sso_config, "OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"})
    response = app.test_client().get("/auth/sso/")
    assert response.status_code == 502
    assert "can't be reached" in response.get_data(as_text=True)
