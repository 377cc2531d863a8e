"""Sign-in, sign-out, the rate limit on failures, session cookies and CSRF."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from tests.factories import UserFactory

GENERIC_FAILURE = b"That e-mail and password don&#39;t match an account."


def test_sign_in_with_right_password_goes_home_and_is_audited(db, client, auth):
    user = UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    response = auth.login("mia@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert client.get("/home").status_code == 200
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.signed_in").order_by(AuditEvent.id)
    )
    assert event.entity_id == user.id


def test_sign_in_accepts_email_in_other_case_and_spaces(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    assert auth.login("  MIA@example.com ").status_code == 302


def test_wrong_password_and_unknown_email_say_the_same(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    wrong_password = auth.login("mia@example.com", "not the password")
    unknown_email = auth.login("nobody@example.com", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert GENERIC_FAILURE in wrong_password.data
    assert GENERIC_FAILURE in unknown_email.data
    assert client.get("/home").status_code == 302  # still signed out


def test_inactive_user_cannot_sign_in(db, client, auth):
    UserFactory(email="gone@example.com", active=False)
    db.session.commit()
    response = auth.login("gone@example.com")
    assert GENERIC_FAILURE in response.data


def test_failed_sign_ins_are_rate_limited_per_client(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    for _ in range(10):
        assert auth.login("mia@example.com", "wrong password!").status_code == 200
    assert auth.login("mia@example.com", "wrong password!").status_code == 429
    # Even the right password is refused while the limit holds.
    assert auth.login("mia@example.com").status_code == 429


def test_failed_sign_ins_are_rate_limited_per_address_across_clients(db, app, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    for n in range(10):
        other = app.test_client()
        response = other.post(
            "/auth/sign-in",
            data={"email": "mia@example.com", "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        assert response.status_code == 200
    response = app.test_client().post(
        "/auth/sign-in",
        data={"email": "mia@example.com", "password": "wrong password!"},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    for _ in range(12):
        assert auth.login("mia@example.com").status_code == 302
        auth.logout()


def test_next_redirect_only_to_local_paths(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    data = {"email": "mia@example.com", "password": "correct horse battery"}
    ok = client.post("/auth/sign-in?next=/accounts/", data=data)
    assert ok.headers["Location"] == "/accounts/"
    client.post("/auth/sign-out")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/auth/sign-in?next={evil}", data=data)
        assert response.headers["Location"].endswith("/home"), evil
        client.post("/auth/sign-out")


def test_sign_out_needs_post_and_ends_the_session(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    assert client.get("/auth/sign-out").status_code == 405
    assert client.post("/auth/sign-out").status_code == 302
    assert client.get("/home").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    response = auth.login("mia@example.com")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over http


def test_session_cookie_is_secure_when_served_over_https(db, app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        from portal.extensions import db as _db

        UserFactory(email="sec@example.com")
        _db.session.commit()
    response = app.test_client().post(
        "/auth/sign-in",
        data={"email": "sec@example.com", "password": "correct horse battery"},
        base_url="https://portal.example",
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_secure_cookies_follow_an_https_base_url(monkeypatch, tmp_path):
    from portal.config import Config

    monkeypatch.setenv("PORTAL_BASE_URL", "https://refs.example.com")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    assert Config(str(tmp_path)).SESSION_COOKIE_SECURE is True
    monkeypatch.setenv("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    assert Config(str(tmp_path)).SESSION_COOKIE_SECURE is False


def test_csrf_is_enforced_when_enabled(db, app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from portal.extensions import db as _db

        UserFactory(email="mia@example.com")
        _db.session.commit()
    client = app.test_client()
    response = client.post(
        "/auth/sign-in", data={"email": "mia@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert client.get("/home").status_code == 302
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/auth/sign-in",
        data={"email": "mia@example.com", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    from portal.config import load_secret_key

    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = load_secret_key(str(tmp_path))
    assert len(first) >= 40
    assert load_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
