"""Administrators invite users, change roles and deactivate accounts."""

import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth import service, sso
from portal.auth.models import User
from portal.auth.sso_models import SsoIdentity
from portal.database import now_utc
from portal.notifications.models import OutboxMessage
from tests.factories import UserFactory, advocate_with_login


@pytest.fixture
def app(app_factory):
    # The role single sign-on gives the users it provisions here (it stays off: no issuer).
    return app_factory(OIDC_DOMAIN_ROLES="corp.example=requester")


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
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.updated").order_by(AuditEvent.id)
    )
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


def _status_cell(page: str, email: str) -> str:
    """The text of the status and action cells in the users list row of `email`."""
    cells = rf"<td><a [^>]*>[^<]*</a></td>\s*<td>{re.escape(email)}</td>(.*?)</tr>"
    [row] = re.findall(cells, page, re.S)
    return re.sub(r"<[^>]+>", " ", row)


def test_only_invited_accounts_that_never_signed_in_are_shown_as_invited(db, client, auth):
    admin = sign_in_admin(db, auth)
    service.create_user(admin, email="new@example.com", role="requester")  # an invitation
    # Provisioned by single sign-on and signed in that way: no password, never invited.
    sso_user = sso.sign_in_with_sso(
        "https://idp.example", {"sub": "s-1", "email": "sso@corp.example", "email_verified": True}
    )
    service.record_sign_in(sso_user)
    # Linked to single sign-on, with no sign-in recorded: still never an invitee.
    linked = UserFactory(email="linked@corp.example", password_hash=None)
    db.session.add(SsoIdentity(user_id=linked.id, issuer="https://idp.example", subject="s-2",
                               email=linked.email))  # fmt: skip
    # An advocate who signs in with e-mail links has no password either.
    _, advocate = advocate_with_login(email="ada@customer.example")
    advocate.password_hash, advocate.last_sign_in_at = None, now_utc()
    UserFactory(email="gone@example.com", password_hash=None, active=False)  # deactivated
    db.session.commit()

    flags = {
        user.email: user.awaiting_first_sign_in
        for user in db.session.scalars(sa.select(User).order_by(User.email))
    }
    assert flags == {
        "ada@customer.example": False,
        "admin@example.com": False,
        "gone@example.com": False,
        "linked@corp.example": False,
        "new@example.com": True,
        "sso@corp.example": False,
    }
    page = client.get("/admin/users/").get_data(as_text=True)
    assert page.count("Invited") == 1 and page.count("Send invitation again") == 1
    assert "Invited" in _status_cell(page, "new@example.com")
    assert "Send invitation again" in _status_cell(page, "new@example.com")
    for email in ("sso@corp.example", "linked@corp.example", "ada@customer.example"):
        assert "Active" in _status_cell(page, email), email
    assert "Paused" in _status_cell(page, "gone@example.com")


def test_no_invitation_is_sent_to_who_already_signs_in(db, client, auth):
    sign_in_admin(db, auth)
    sso_user = sso.sign_in_with_sso(
        "https://idp.example", {"sub": "s-1", "email": "sso@corp.example", "email_verified": True}
    )
    service.record_sign_in(sso_user)
    db.session.commit()
    response = client.post(f"/admin/users/{sso_user.id}/invitation", follow_redirects=True)
    assert "already signs in" in response.get_data(as_text=True)
    invitations = sa.select(OutboxMessage).where(OutboxMessage.template == "invitation")
    assert db.session.scalars(invitations).all() == []
