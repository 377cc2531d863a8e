"""Password reset and invitation links: signed, expiring, single-use."""

import datetime as dt
import re

import sqlalchemy as sa
from freezegun import freeze_time

from portal.auth import service
from portal.auth.models import LinkToken, User
from portal.notifications.models import OutboxMessage
from tests.factories import AdvocateFactory, UserFactory
from tests.helpers import delivered_text

NEW_PASSWORD = "a brand new passphrase"


def link_path(message: OutboxMessage) -> str:
    url = re.search(r"https?://\S+/auth/(?:reset|invitation)/\S+", delivered_text(message)).group(0)
    return url.split("127.0.0.1:5000", 1)[1]


def last_message(db) -> OutboxMessage:
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()


def set_password(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def test_reset_request_queues_an_email_with_a_working_link(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    response = client.post("/auth/forgot", data={"email": "mia@example.com"})
    assert response.status_code == 302
    message = last_message(db)
    assert message.recipient == "mia@example.com"
    assert message.template == "password_reset"
    assert message.body_html and "Choose a new password" in message.body_html
    path = link_path(message)
    assert client.get(path).status_code == 200
    assert set_password(client, path).status_code == 302
    assert auth.login("mia@example.com", NEW_PASSWORD).status_code == 302


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(db, client):
    response = client.post(
        "/auth/forgot", data={"email": "nobody@example.com"}, follow_redirects=True
    )
    assert b"If that address has an account" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_reset_link_works_only_once(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    client.post("/auth/forgot", data={"email": "mia@example.com"})
    path = link_path(last_message(db))
    assert set_password(client, path).status_code == 302
    again = set_password(client, path, "yet another passphrase")
    assert again.status_code == 400
    assert b"already been used" in again.data
    assert client.get(path).status_code == 400


def test_expired_reset_link_is_refused(db, app, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    with freeze_time(dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)):
        client.post("/auth/forgot", data={"email": "mia@example.com"})
    path = link_path(last_message(db))
    response = set_password(client, path)
    assert response.status_code == 400
    assert b"expired" in response.data
    assert auth.login("mia@example.com", NEW_PASSWORD).status_code == 200  # unchanged


def test_tampered_reset_link_is_refused(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    client.post("/auth/forgot", data={"email": "mia@example.com"})
    path = link_path(last_message(db))
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    response = set_password(client, tampered)
    assert response.status_code == 400
    assert b"not valid" in response.data


def test_reset_link_for_one_purpose_does_not_work_for_another(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    client.post("/auth/forgot", data={"email": "mia@example.com"})
    token = link_path(last_message(db)).rsplit("/", 1)[1]
    assert client.get(f"/auth/invitation/{token}").status_code == 400


def test_short_password_is_refused_at_the_field_and_link_stays_usable(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    client.post("/auth/forgot", data={"email": "mia@example.com"})
    path = link_path(last_message(db))
    response = set_password(client, path, "short")
    assert response.status_code == 200
    assert b"at least 10 characters" in response.data
    assert db.session.scalar(sa.select(LinkToken.used_at)) is None


def test_invited_user_sets_a_password_and_signs_in(db, client, auth):
    admin = UserFactory(role="admin")
    user = service.create_user(admin, email="new@example.com", name="New Person", role="requester")
    db.session.commit()
    assert user.password_hash is None
    message = last_message(db)
    assert message.template == "invitation"
    path = link_path(message)
    assert set_password(client, path).status_code == 302
    assert auth.login("new@example.com", NEW_PASSWORD).status_code == 302
    assert set_password(client, path).status_code == 400  # used


def test_expired_invitation_is_refused(db, client):
    with freeze_time(dt.datetime.now(dt.UTC) - dt.timedelta(days=15)):
        service.create_user(None, email="late@example.com", role="requester")
        db.session.commit()
    response = client.get(link_path(last_message(db)))
    assert response.status_code == 400
    assert b"expired" in response.data


def test_advocate_login_is_linked_to_the_advocate_with_that_email(db):
    advocate = AdvocateFactory(email="cx@customer.example")
    user = service.create_user(None, email="cx@customer.example", role="advocate")
    db.session.commit()
    assert advocate.user_id == user.id


def test_advocate_login_without_advocate_is_refused_and_writes_nothing(db):
    try:
        service.create_user(None, email="ghost@customer.example", role="advocate")
    except service.ValidationFailed as error:
        assert "no advocate" in error.fields["email"]
    else:
        raise AssertionError("expected a refusal")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_change_password_needs_the_current_one(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    wrong = client.post(
        "/auth/password",
        data={"current_password": "nope", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert b"not your current password" in wrong.data
    ok = client.post(
        "/auth/password",
        data={
            "current_password": "correct horse battery",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 302
    auth.logout()
    assert auth.login("mia@example.com", NEW_PASSWORD).status_code == 302


def test_a_deactivated_account_can_not_use_its_links(db, client):
    """An admin deactivates a user whose invitation and reset links are still unused: neither
    link turns the account back on or sets a password."""
    user = service.create_user(None, email="gone@example.com", role="requester")
    db.session.commit()
    invitation = link_path(last_message(db))
    user.set_password("an old passphrase 1")
    db.session.commit()
    service.request_password_reset("gone@example.com")
    db.session.commit()
    reset = link_path(last_message(db))
    user.active = False
    db.session.commit()
    for path in (invitation, reset):
        assert b"deactivated" in client.get(path).data
        assert set_password(client, path).status_code == 400
    db.session.refresh(user)
    assert user.active is False and user.check_password("an old passphrase 1")
    assert db.session.scalar(sa.select(sa.func.count()).where(LinkToken.used_at.is_not(None))) == 0
