"""Single sign-on reads the role again at every sign-in: leaving a provider group demotes."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth import sso
from portal.auth.models import User
from portal.auth.sso_models import SsoIdentity
from portal.extensions import db as _db
from tests.factories import UserFactory
from tests.sso.conftest import CALLBACK, running_provider, sso_settings, sso_sign_in

PEOPLE = {
    "mia": {"email": "mia@corp.example", "email_verified": True, "groups": ["portal-managers"]},
    "zed": {"email": "zed@elsewhere.example", "email_verified": True, "groups": ["portal-admins"]},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """A provider of its own whose accounts (and groups) the tests change between sign-ins."""
    accounts = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts.write_text(json.dumps(PEOPLE))
    with running_provider([CALLBACK], accounts_file=accounts) as issuer:
        yield issuer, accounts


@pytest.fixture
def groups(provider):
    _, accounts = provider

    def set_groups(login, values):
        people = json.loads(accounts.read_text())
        people[login]["groups"] = values
        accounts.write_text(json.dumps(people))

    yield set_groups
    accounts.write_text(json.dumps(PEOPLE))


@pytest.fixture
def sso_app(app_factory, provider):
    return app_factory(**sso_settings(provider[0]))


def user_named(app, email) -> User:
    with app.app_context():
        user = _db.session.scalar(sa.select(User).where(User.email == email))
        _db.session.expunge(user)
        return user


def role_events(app) -> list[dict]:
    with app.app_context():
        return list(
            _db.session.scalars(
                sa.select(AuditEvent.data).where(AuditEvent.action == "user.role_changed_by_sso")
            )
        )


def test_leaving_the_provider_group_demotes_at_the_next_sign_in(sso_app, groups):
    office = sso_app.test_client()
    assert sso_sign_in(office, "mia").status_code == 302
    assert office.get("/program/queue").status_code == 200
    groups("mia", [])  # removed from portal-managers at the provider
    laptop = sso_app.test_client()
    assert sso_sign_in(laptop, "mia").status_code == 302
    assert user_named(sso_app, "mia@corp.example").role == "requester"  # the domain's role
    assert laptop.get("/program/queue").status_code == 403
    assert office.get("/home").status_code == 302  # the manager's session ended
    [event] = role_events(sso_app)
    assert event["role"] == ["manager", "requester"]


def test_leaving_every_group_without_a_domain_role_ends_access(sso_app, groups):
    office = sso_app.test_client()
    assert sso_sign_in(office, "zed").status_code == 302
    assert user_named(sso_app, "zed@elsewhere.example").role == "admin"
    groups("zed", [])
    response = sso_sign_in(sso_app.test_client(), "zed")
    assert response.status_code == 403
    assert "no longer grants you a role" in response.get_data(as_text=True)
    user = user_named(sso_app, "zed@elsewhere.example")
    assert user.active is False
    assert office.get("/home").status_code == 302
    assert role_events(sso_app)[0]["role"] == ["admin", None]


def test_joining_a_group_promotes(sso_app, groups):
    groups("mia", [])
    assert sso_sign_in(sso_app.test_client(), "mia").status_code == 302
    assert user_named(sso_app, "mia@corp.example").role == "requester"
    groups("mia", ["portal-managers"])
    assert sso_sign_in(sso_app.test_client(), "mia").status_code == 302
    assert user_named(sso_app, "mia@corp.example").role == "manager"


CLAIMS = {"sub": "s-1", "email": "ed@corp.example", "email_verified": True}


def test_a_role_an_admin_set_stands_while_the_groups_map_to_none(app_factory):
    app = app_factory(**sso_settings("http://issuer.example"))
    with app.app_context():
        UserFactory(email="ed@corp.example", role="csm")
        _db.session.commit()
        sso.sign_in_with_sso("http://issuer.example", {**CLAIMS, "groups": []})
        _db.session.commit()
        user = sso.sign_in_with_sso("http://issuer.example", {**CLAIMS, "groups": ["other"]})
        assert user.role == "csm"
        assert _db.session.scalar(sa.select(SsoIdentity.granted_role)) is None
        user = sso.sign_in_with_sso(
            "http://issuer.example", {**CLAIMS, "groups": ["portal-admins"]}
        )
        assert user.role == "admin"  # a mapped group applies
