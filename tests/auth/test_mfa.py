"""Two-step sign-in: enrolment, the code step, recovery codes, turning it off, and the program
setting that requires it of managers and admins."""

from __future__ import annotations

import re
import time

import pyotp
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth import mfa
from portal.auth.models import MfaRecoveryCode, User, hash_token
from tests.conftest import PASSWORD
from tests.factories import UserFactory

SECRET = re.compile(r'id="mfa-secret">([A-Z2-7]+)<')


def next_code(secret: str) -> str:
    """The app's code for the next time step: enrolment used the current one."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/auth/mfa").get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    done = client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(
        r"<li class=\"col\">([0-9a-f]{5}-[0-9a-f]{5})</li>", done.get_data(as_text=True)
    )
    return secret, codes


def password_step(client, email="mia@example.com"):
    return client.post("/auth/sign-in", data={"email": email, "password": PASSWORD})


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_enrolment_needs_a_right_code_and_gives_ten_recovery_codes_kept_as_hashes(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    page = client.get("/auth/mfa").get_data(as_text=True)
    assert "data:image/svg+xml" in page  # the QR code
    assert client.post("/auth/mfa", data={"code": "000000"}).status_code == 422
    db.session.refresh(user)
    assert user.mfa_secret is None
    secret, codes = enrol(client)
    assert len(codes) == len(set(codes)) == 10
    db.session.refresh(user)
    assert user.mfa_secret == secret
    stored = set(db.session.scalars(sa.select(MfaRecoveryCode.code_hash)))
    assert stored == {hash_token(code.replace("-", "")) for code in codes}
    assert "user.mfa_enabled" in actions(db)


def test_password_alone_grants_nothing_when_two_step_sign_in_is_on(db, app, client, auth):
    UserFactory(email="mia@example.com", role="admin")
    db.session.commit()
    auth.login("mia@example.com")
    secret, _ = enrol(client)
    auth.logout()
    response = password_step(client)
    assert response.headers["Location"].endswith("/auth/sign-in/code")
    for path in ("/home", "/admin/users/", "/auth/sessions", "/auth/mfa"):
        assert client.get(path).status_code == 302, path  # half signed in: nothing
    wrong = client.post("/auth/sign-in/code", data={"code": "123456"})
    assert wrong.status_code == 200 and "doesn" in wrong.get_data(as_text=True)
    failed = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.sign_in_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert [event.data["reason"] for event in failed] == ["code"]
    code = next_code(secret)
    assert client.post("/auth/sign-in/code", data={"code": code}).status_code == 302
    assert client.get("/admin/users/").status_code == 200
    # The same code can't sign in a second time (a replay from another client).
    other = app.test_client()
    password_step(other)
    assert other.post("/auth/sign-in/code", data={"code": code}).status_code == 200
    assert other.get("/home").status_code == 302


def test_the_code_step_lapses(db, app_factory):
    app = app_factory(MFA_PENDING_SECONDS=-1)
    client = app.test_client()
    with app.app_context():
        from portal.extensions import db as _db

        user = UserFactory(email="mia@example.com")
        user.mfa_secret = pyotp.random_base32()
        _db.session.commit()
        secret = user.mfa_secret
    password_step(client)
    response = client.post("/auth/sign-in/code", data={"code": next_code(secret)})
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert client.get("/home").status_code == 302


def test_a_recovery_code_signs_in_once_and_is_audited(db, app, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    _, codes = enrol(client)
    auth.logout()
    password_step(client)
    assert client.post("/auth/sign-in/code", data={"code": codes[0]}).status_code == 302
    assert client.get("/home").status_code == 200
    again = app.test_client()
    password_step(again)
    assert again.post("/auth/sign-in/code", data={"code": codes[0]}).status_code == 200
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.mfa_recovery_code_used")
        .order_by(AuditEvent.id)
    )
    assert event.data == {"left": 9}


def test_turning_it_off_needs_the_password_or_a_code(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    enrol(client)
    client.post("/auth/mfa/disable", data={"password": "not my password"})
    db.session.refresh(user)
    assert user.mfa_enabled
    client.post("/auth/mfa/disable", data={"password": PASSWORD})
    db.session.refresh(user)
    assert not user.mfa_enabled
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MfaRecoveryCode)) == 0
    assert "user.mfa_disabled" in actions(db)


def test_required_setting_sends_managers_to_enrolment_before_anything(db, client):
    admin = UserFactory(role="admin")
    UserFactory(email="mia@example.com", role="manager")
    UserFactory(email="rae@example.com", role="requester")
    mfa.set_require_mfa_for_staff(admin, True)
    db.session.commit()
    response = password_step(client)
    assert response.headers["Location"].endswith("/auth/sign-in/enrol")
    assert client.get("/home").status_code == 302
    page = client.get("/auth/sign-in/enrol").get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    done = client.post("/auth/sign-in/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "recovery codes" in done.get_data(as_text=True)
    assert client.get("/home").status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "mia@example.com"))
    assert user.mfa_secret == secret
    # Required: it can't be turned off. Requesters are not asked.
    assert client.post("/auth/mfa/disable", data={"password": PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.mfa_enabled
    assert (
        password_step(client.application.test_client(), "rae@example.com")
        .headers["Location"]
        .endswith("/home")
    )


def test_requiring_it_ends_the_sessions_of_managers_who_have_not_enrolled(db, app, client, auth):
    UserFactory(email="boss@example.com", role="admin")
    UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    manager = app.test_client()
    password_step(manager)
    assert manager.get("/home").status_code == 200
    auth.login("boss@example.com")
    response = client.post("/admin/settings/security", data={"require_mfa_for_staff": "y"})
    assert response.status_code == 302
    assert manager.get("/home").status_code == 302
    assert client.get("/home").status_code == 302  # the admin has not enrolled either
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    )
    assert event.data["key"] == "require_mfa_for_staff" and event.data["to"] is True


def test_the_setup_page_shown_again_shows_its_qr_code_without_encoding_it_again(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    qr = re.compile(r'src="(data:image/svg\+xml[^"]+)"')
    first = qr.search(client.get("/auth/mfa").get_data(as_text=True)).group(1)
    encoded = mfa.qr_code_svg.cache_info().misses
    again = qr.search(client.get("/auth/mfa").get_data(as_text=True)).group(1)
    assert again == first  # the same secret, kept in the session
    assert mfa.qr_code_svg.cache_info().misses == encoded
