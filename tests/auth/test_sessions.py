"""Server-side sessions: sign-out, password changes, role changes and time limits end them."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth import service
from portal.auth.models import UserSession
from portal.database import now_utc
from portal.notifications.models import OutboxMessage
from tests.auth.test_links import link_path
from tests.conftest import PASSWORD
from tests.factories import UserFactory, advocate_with_login

NEW_PASSWORD = "a brand new sentence 42"


def login(client, email, remember=False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/sign-in", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copy_cookies(source, target, names=("session", "remember_token")):
    """What an attacker holding a stolen cookie does: replay it from another client."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def signed_in(client) -> bool:
    return client.get("/home").status_code == 200


def only_session(db) -> UserSession:
    return db.session.scalars(sa.select(UserSession)).one()


def test_copied_session_cookie_stops_working_after_sign_out(db, app, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com")
    thief = app.test_client()
    copy_cookies(client, thief, ("session",))
    assert signed_in(thief)
    client.post("/auth/sign-out")
    assert not signed_in(thief)
    assert not signed_in(client)


def test_remember_cookie_stops_working_after_sign_out(db, app, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com", remember=True)
    remembered = client.get_cookie("remember_token").value
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert signed_in(thief)  # the remember cookie alone signs in...
    client.post("/auth/sign-out")
    later = app.test_client()
    later.set_cookie("remember_token", remembered)
    assert not signed_in(later)  # ...but not once its session is signed out


def test_sign_out_is_audited_and_revokes_the_session_row(db, client):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com")
    client.post("/auth/sign-out")
    row = only_session(db)
    assert row.revoked_at is not None and row.revoked_reason == "signed_out"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.signed_out").order_by(AuditEvent.id)
    )
    assert event.entity_id == user.id and event.actor_id == user.id


def test_password_change_ends_other_sessions_and_keeps_this_one(db, app, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com", remember=True)
    laptop = app.test_client()
    login(laptop, "mia@example.com")
    stolen = app.test_client()
    copy_cookies(client, stolen)
    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(client)  # this browser goes on, with a new session
    assert not signed_in(laptop)
    assert not signed_in(stolen)  # the cookies from before the change are dead
    live = db.session.scalars(sa.select(UserSession).where(UserSession.revoked_at.is_(None)))
    assert [row.remember for row in live] == [True]


def test_password_reset_ends_every_session(db, app, client):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com", remember=True)
    service.request_password_reset(user.email)
    db.session.commit()
    path = link_path(db.session.scalars(sa.select(OutboxMessage)).one())
    response = app.test_client().post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not signed_in(client)
    remembered = app.test_client()
    copy_cookies(client, remembered, ("remember_token",))
    assert not signed_in(remembered)


def test_role_change_and_deactivation_end_the_users_sessions(db, app, client):
    admin = UserFactory(role="admin")
    user = UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    login(client, "mia@example.com")
    service.update_user(admin, user, role="requester", team=None, active=True)
    db.session.commit()
    assert not signed_in(client)
    login(client, "mia@example.com")
    assert signed_in(client)
    service.update_user(admin, user, role="requester", team=None, active=False)
    db.session.commit()
    assert not signed_in(client)
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.data)
            .where(AuditEvent.action == "user.sessions_revoked")
            .order_by(AuditEvent.id)
        )
    )
    assert [a["reason"] for a in actions] == ["role_changed", "deactivated"]


def test_staff_session_ends_after_30_idle_minutes(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com", remember=True)
    row = only_session(db)
    row.last_seen_at = now_utc() - dt.timedelta(minutes=29)
    db.session.commit()
    assert signed_in(client)
    row.last_seen_at = now_utc() - dt.timedelta(minutes=31)
    db.session.commit()
    assert not signed_in(client)


def test_staff_session_ends_12_hours_after_sign_in_even_when_busy(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com", remember=True)
    row = only_session(db)
    row.created_at = now_utc() - dt.timedelta(hours=12, minutes=1)
    row.last_seen_at = now_utc()
    db.session.commit()
    assert not signed_in(client)


def test_idle_and_absolute_limits_come_from_the_settings(db, app_factory):
    app = app_factory(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    with app.app_context():
        from portal.extensions import db as _db

        UserFactory(email="mia@example.com")
        _db.session.commit()
        client = app.test_client()
        login(client, "mia@example.com")
        row = _db.session.scalars(sa.select(UserSession)).one()
        row.last_seen_at = now_utc() - dt.timedelta(minutes=6)
        _db.session.commit()
        assert not signed_in(client)


def test_advocate_kept_signed_in_for_30_days_not_a_year(db, app, client):
    advocate_with_login(email="ada@customer.example")
    db.session.commit()
    response = login(client, "ada@customer.example", remember=True)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert dt.timedelta(days=29) < expires - now_utc() <= dt.timedelta(days=30, minutes=1)
    row = only_session(db)
    row.created_at = now_utc() - dt.timedelta(days=20)
    row.last_seen_at = now_utc() - dt.timedelta(days=3)  # idle for days: still kept
    db.session.commit()
    assert client.get("/me/").status_code == 200
    row.created_at = now_utc() - dt.timedelta(days=31)
    db.session.commit()
    assert client.get("/me/").status_code == 302


def test_staff_keep_me_signed_in_cookie_lasts_at_most_12_hours(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    response = login(client, "mia@example.com", remember=True)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert expires - now_utc() <= dt.timedelta(hours=12, minutes=1)


def test_last_seen_is_written_at_most_once_a_minute(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com")
    row = only_session(db)
    first = row.last_seen_at
    assert signed_in(client) and signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at == first
    row.last_seen_at = now_utc() - dt.timedelta(minutes=2)
    db.session.commit()
    assert signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at > now_utc() - dt.timedelta(minutes=1)


def test_sign_out_everywhere_ends_every_session_and_is_audited(db, app, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com")
    phone = app.test_client()
    login(phone, "mia@example.com", remember=True)
    assert client.post("/auth/sessions/revoke-all").status_code == 302
    assert not signed_in(client)
    assert not signed_in(phone)
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.signed_out_everywhere")
        .order_by(AuditEvent.id)
    )
    assert event.data == {"sessions": 2}


def test_sessions_page_lists_sessions_and_signs_out_another_one(db, app, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    login(client, "mia@example.com")
    phone = app.test_client()
    login(phone, "mia@example.com")
    page = client.get("/auth/sessions")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("This browser") == 1
    phone_row = db.session.scalars(sa.select(UserSession).order_by(UserSession.id.desc())).first()
    assert client.post(f"/auth/sessions/{phone_row.id}/revoke").status_code == 302
    assert not signed_in(phone)
    assert signed_in(client)
    assert db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.session_revoked")
        .order_by(AuditEvent.id)
    )


def test_someone_elses_session_can_not_be_revoked(db, app, client):
    UserFactory(email="mia@example.com")
    UserFactory(email="sam@example.com")
    db.session.commit()
    other = app.test_client()
    login(other, "sam@example.com")
    login(client, "mia@example.com")
    sams = db.session.scalars(sa.select(UserSession).order_by(UserSession.id)).first()
    client.post(f"/auth/sessions/{sams.id}/revoke")
    assert signed_in(other)


def test_api_tokens_keep_working_after_sign_out(db, client):
    user = UserFactory(email="mia@example.com")
    _, plain = service.create_api_token(user, user)
    db.session.commit()
    login(client, "mia@example.com")
    client.post("/auth/sign-out")
    response = client.get("/api/v1/benefits", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
