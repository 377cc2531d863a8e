"""Administrators invite users, change roles and deactivate accounts."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from tests.factories import UserFactory


def sign_in_admin(db, auth):
    admin = UserFactory(email="admin@example.com", role="admin")
    db.session.commit()
    auth.login("admin@example.com")
    return admin


def test_admin_invites_a_user_who_gets_an_email(db, client, auth):
    sign_in_admin(db, auth)
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Sam Sales",
            "email": "sam@example.com",
            "role": "requester",
            "team": "sales",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "sam@example.com"))
    assert (user.role, user.team, user.password_hash) == ("requester", "sales", None)
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.created", "user.invited"} <= actions


def test_invite_with_duplicate_email_is_refused_at_the_field(db, client, auth):
    sign_in_admin(db, auth)
    response = client.post(
        "/admin/users/new",
        data={"name": "Again", "email": "admin@example.com", "role": "requester", "team": ""},
    )
    assert response.status_code == 422
    assert b"already exists" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_admin_changes_a_role_and_it_is_audited(db, client, auth):
    sign_in_admin(db, auth)
    other = UserFactory(email="csm@example.com", role="csm")
    db.session.commit()
    response = client.post(
        f"/admin/users/{other.id}", data={"role": "manager", "team": "", "active": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role == "manager"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.updated"))
    assert event.data["role"] == ["csm", "manager"]


def test_admin_cannot_demote_themselves(db, client, auth):
    admin = sign_in_admin(db, auth)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "requester", "team": ""})
    assert b"own role" in response.data
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_deactivated_user_is_signed_out_and_cannot_sign_in(db, app, client, auth):
    sign_in_admin(db, auth)
    other = UserFactory(email="leaver@example.com", role="requester")
    db.session.commit()
    theirs = app.test_client()
    theirs.post(
        "/auth/sign-in", data={"email": "leaver@example.com", "password": "correct horse battery"}
    )
    assert theirs.get("/home").status_code == 200
    client.post(f"/admin/users/{other.id}", data={"role": "requester", "team": ""})
    assert theirs.get("/home").status_code == 302
