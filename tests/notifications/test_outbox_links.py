"""No one reads another user's live link in the outbox: a message keeps stand-ins, and only the
delivered e-mail carries the signed link (the review's admin take-over through the outbox)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from portal.asks import placing
from portal.audit.models import AuditEvent
from portal.auth import service as auth_service
from portal.auth.links import HIDDEN
from portal.auth.magic import request_magic_link
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from tests.conftest import PASSWORD
from tests.factories import (
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

BASE = "http://portal.test"
LIVE_LINK = re.compile(
    r"https?://[^\s\"<>]+/(?:auth/(?:reset|invitation|link)|welcome|me/asks/answer/\w+)/[^\s\"<>]+"
)


@pytest.fixture
def mail_app(app_factory, smtp):
    app = app_factory(BASE_URL=BASE, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_TIMEOUT=5)
    with app.app_context():
        yield app
        _db.session.rollback()


def _sign_in(app, email):
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _path(url: str) -> str:
    return url.split(BASE, 1)[1]


def _stored(message: OutboxMessage) -> str:
    """Everything the outbox row holds that a person or a query could read."""
    return json.dumps(
        [message.body_text, message.body_html, message.meta, message.attachments], default=str
    )


def _delivered_links(smtp) -> list[str]:
    links = []
    for mail in smtp.handler.parsed():
        links += LIVE_LINK.findall(mail.get_body(("plain",)).get_content())
    return links


def test_a_manager_cannot_take_over_the_admin_through_the_outbox(mail_app, smtp):
    UserFactory(role="admin", email="root@example.com")
    UserFactory(role="manager", email="mgr@example.com")
    _db.session.commit()
    # The attack: anyone asks for the admin's reset, the manager reads the outbox.
    assert (
        mail_app.test_client().post("/auth/forgot", data={"email": "root@example.com"}).status_code
        == 302
    )
    manager = _sign_in(mail_app, "mgr@example.com")
    message = _db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "password_reset")
    )
    page = manager.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert HIDDEN in page
    for link in LIVE_LINK.findall(page) + LIVE_LINK.findall(_stored(message)):
        assert mail_app.test_client().get(_path(link)).status_code == 400, link
    # Delivery carries a working link to the admin, and the outbox still holds none.
    assert send_due().sent == 1
    [link] = _delivered_links(smtp)
    assert mail_app.test_client().get(_path(link)).status_code == 200
    _db.session.expire_all()
    message = _db.session.get(OutboxMessage, message.id)
    assert message.status == "sent"
    token = link.rsplit("/", 1)[1]
    assert token not in _stored(message)
    assert token not in manager.get(f"/admin/outbox/{message.id}").get_data(as_text=True)


def _reset(user):
    auth_service.request_password_reset(user.email)


def _invitation(user):
    auth_service.send_invitation(None, user)


def _magic(user):
    request_magic_link(user.email)


def _welcome(user):
    from portal.recruiting.pipeline import invite_advocate

    nominee = AdvocateFactory(status="nominated", email="nia@customer.example")
    invite_advocate(UserFactory(role="manager"), nominee)


def _ask(user):
    manager = UserFactory(role="manager")
    placing.place_ask(manager, ReferenceRequestFactory(), user.advocate)


@pytest.mark.parametrize(
    "write", [_reset, _invitation, _magic, _ask, _welcome], ids=lambda f: f.__name__
)
def test_no_stored_message_holds_a_live_link(mail_app, smtp, write):
    _, user = advocate_with_login(email="ada@customer.example")
    _db.session.commit()
    write(user)
    _db.session.commit()
    rows = _db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "email")).all()
    stored = " ".join(_stored(row) for row in rows)
    assert "plink-" in stored  # the stand-in, no token
    for link in LIVE_LINK.findall(stored):
        assert mail_app.test_client().get(_path(link)).status_code in (400, 404), link
    assert send_due().sent == len(rows)
    delivered = _delivered_links(smtp)
    assert delivered and all("plink-" not in link for link in delivered)
    assert mail_app.test_client().get(_path(delivered[0])).status_code == 200


def test_a_stand_in_copied_into_another_message_is_never_filled(mail_app, smtp):
    """Someone who saw a stand-in puts it in text that is mailed to them: it stays hidden."""
    victim = UserFactory(role="admin", email="root@example.com")
    _db.session.commit()
    _reset(victim)
    _db.session.commit()
    stand_in = re.search(
        r"plink-[0-9a-f]{32}", _db.session.scalar(sa.select(OutboxMessage.body_text))
    ).group(0)
    _db.session.remove()
    # A new transaction (another request) writes a message whose text carries the stand-in.
    advocate, _ = advocate_with_login(email="eve@customer.example")
    request = ReferenceRequestFactory(context=f"See {BASE}/auth/reset/{stand_in}")
    placing.place_ask(UserFactory(role="manager"), request, advocate)
    _db.session.commit()
    send_due()
    eve = [m for m in smtp.handler.parsed() if m["To"] == "eve@customer.example"]
    [mail] = eve
    text = mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
    assert f"/auth/reset/{HIDDEN}" in text.replace("&#34;", '"')
    assert stand_in not in text


def test_viewing_an_outbox_message_is_audited(mail_app):
    UserFactory(role="manager", email="mgr@example.com")
    _db.session.commit()
    auth_service.request_password_reset("mgr@example.com")
    _db.session.commit()
    message_id = _db.session.scalar(sa.select(OutboxMessage.id))
    manager = _sign_in(mail_app, "mgr@example.com")
    assert manager.get(f"/admin/outbox/{message_id}").status_code == 200
    viewed = _db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "outbox.message_viewed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.entity_id, e.actor_id) for e in viewed] == [(message_id, viewed[0].actor_id)]
    assert viewed[0].actor_id is not None
