"""Advocates sign in with a signed, single-use e-mail link that expires in 15 minutes."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from freezegun import freeze_time

from portal.auth.models import LinkToken
from portal.notifications.models import OutboxMessage
from tests.factories import UserFactory, advocate_with_login
from tests.helpers import delivered_text


def _emails(db):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "email").order_by(OutboxMessage.id)
    ).all()


def _link(message: OutboxMessage) -> str:
    url = re.search(r"https?://\S+/auth/link/\S+", delivered_text(message)).group(0)
    return url.split("127.0.0.1:5000", 1)[1]


def _ask(client, email):
    return client.post("/auth/link/", data={"email": email}, follow_redirects=True)


def test_an_advocate_gets_a_link_that_signs_them_in_once(db, client):
    advocate, user = advocate_with_login(email="ada@customer.example")
    db.session.commit()
    answer = _ask(client, "Ada@Customer.example ")
    assert answer.status_code == 200
    assert b"If that address belongs to an advocate" in answer.data
    (message,) = _emails(db)
    assert (message.recipient, message.template) == ("ada@customer.example", "magic_link")
    assert "15 minutes" in message.body_text
    path = _link(message)
    page = client.get(path)
    assert page.status_code == 200 and b"Sign in" in page.data
    assert client.get("/me/").status_code == 302  # opening the link did not sign in yet
    signed_in = client.post(path)
    assert signed_in.status_code == 302
    assert client.get("/me/").status_code == 200
    client.post("/auth/sign-out")
    replay = client.post(path)
    assert replay.status_code == 400 and b"already been used" in replay.data
    assert client.get("/me/").status_code == 302


def test_unknown_and_staff_addresses_get_the_same_answer_and_no_email(db, client):
    UserFactory(email="staff@example.com", role="manager")
    advocate_with_login(email="ada@customer.example")
    db.session.commit()
    known = _ask(client, "ada@customer.example")
    unknown = _ask(client, "nobody@example.com")
    staff = _ask(client, "staff@example.com")
    assert known.status_code == unknown.status_code == staff.status_code == 200
    strip = re.compile(rb'name="csrf_token"[^>]*>')
    assert strip.sub(b"", known.data) == strip.sub(b"", unknown.data) == strip.sub(b"", staff.data)
    assert [m.recipient for m in _emails(db)] == ["ada@customer.example"]


def test_an_expired_link_is_refused(db, client):
    advocate_with_login(email="ada@customer.example")
    db.session.commit()
    with freeze_time(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)):
        _ask(client, "ada@customer.example")
    path = _link(_emails(db)[0])
    response = client.post(path)
    assert response.status_code == 400 and b"expired" in response.data
    assert client.get("/me/").status_code == 302


def test_a_tampered_link_is_refused_and_nothing_is_spent(db, client):
    advocate_with_login(email="ada@customer.example")
    db.session.commit()
    _ask(client, "ada@customer.example")
    path = _link(_emails(db)[0])
    response = client.post(path[:-3] + "abc")
    assert response.status_code == 400 and b"not valid" in response.data
    assert db.session.scalar(sa.select(LinkToken.used_at)) is None
    assert client.post(path).status_code == 302


def test_a_reset_link_is_no_sign_in_link(db, client):
    UserFactory(email="mia@example.com")
    db.session.commit()
    client.post("/auth/forgot", data={"email": "mia@example.com"})
    token = re.search(r"/auth/reset/(\S+)", delivered_text(_emails(db)[0])).group(1)
    assert client.post(f"/auth/link/{token}").status_code == 400


def test_a_deactivated_advocate_can_not_use_a_link(db, client):
    _, user = advocate_with_login(email="ada@customer.example")
    db.session.commit()
    _ask(client, "ada@customer.example")
    user.active = False
    db.session.commit()
    assert client.post(_link(_emails(db)[0])).status_code == 400


def test_rate_limited_per_address(app_factory):
    app = app_factory(MAGIC_LINK_LIMIT="2 per 15 minutes", MAGIC_LINK_CLIENT_LIMIT="100 per hour")
    client = app.test_client()
    assert _ask(client, "ada@customer.example").status_code == 200
    assert _ask(client, "ADA@customer.example").status_code == 200
    assert _ask(client, "ada@customer.example").status_code == 429
    assert _ask(client, "bob@customer.example").status_code == 200  # another address


def test_rate_limited_per_client_address(app_factory):
    app = app_factory(MAGIC_LINK_LIMIT="100 per hour", MAGIC_LINK_CLIENT_LIMIT="3 per hour")
    client = app.test_client()
    for n in range(3):
        assert _ask(client, f"person{n}@customer.example").status_code == 200
    assert _ask(client, "someone.else@customer.example").status_code == 429
    other = app.test_client()
    response = other.post(
        "/auth/link/",
        data={"email": "x@customer.example"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302


def test_a_bad_address_is_refused_at_the_field(db, client):
    response = client.post("/auth/link/", data={"email": "not an address"})
    assert response.status_code == 422
    assert _emails(db) == []
