"""Webhooks call public addresses only (the default): refused when saved, with the reason next
to the field, and refused again when sent, before any connection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit import service as audit
from portal.errors import ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.notifications.transport import PermanentDeliveryError
from portal.webhooks import service
from portal.webhooks.delivery import deliver_webhook
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import AskFactory, UserFactory
from tests.outbound import (
    PRIVATE_URLS,
    PUBLIC_ADDRESS,
    REFUSAL,
    Listener,
    resolve_as,
    spy_on_connections,
)


@pytest.fixture
def listener():
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture
def app(app_factory, listener):
    """Public addresses only (the default); the listener's port is allowed so that the address,
    not the port, is what decides."""
    return app_factory(OUTBOUND_ALLOWED_PORTS=(80, 443, listener.port))


@pytest.fixture
def admin(db):
    user = UserFactory(role="admin", email="admin@example.com")
    db.session.commit()
    return user


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint))


@pytest.mark.parametrize("url", [u.replace(":{port}", "") for u in PRIVATE_URLS])
def test_saving_a_private_address_is_refused_with_the_reason(db, admin, monkeypatch, url):
    dialled = spy_on_connections(monkeypatch)
    with pytest.raises(ValidationFailed) as error:
        service.create_endpoint(admin, {"url": url, "events": ["ask.placed"]})
    assert REFUSAL in error.value.fields["url"]
    db.session.rollback()
    assert _count(db) == 0
    assert dialled == []


def test_editing_to_a_private_address_is_refused(db, admin):
    endpoint = service.create_endpoint(
        admin, {"url": "https://crm.example/h", "events": ["ask.placed"]}
    )
    db.session.commit()
    with pytest.raises(ValidationFailed) as error:
        service.update_endpoint(admin, endpoint, {"url": "http://0x7f.1/admin"})
    assert "(127.0.0.1)" in error.value.fields["url"]
    db.session.rollback()
    assert db.session.get(WebhookEndpoint, endpoint.id).url == "https://crm.example/h"


def test_the_form_shows_why_a_private_address_is_refused(db, admin, client, auth):
    auth.login(admin.email)
    response = client.post(
        "/admin/webhooks/new", data={"url": "http://2130706433/", "events": ["ask.placed"]}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "This address points to this server itself (127.0.0.1); the portal only calls public "
        "addresses." in page
    )
    assert _count(db) == 0


def test_a_name_that_resolves_to_a_private_address_is_refused_when_saved(db, admin, monkeypatch):
    resolve_as(monkeypatch, {"crm.internal.example": ["10.9.8.7"]})
    with pytest.raises(ValidationFailed) as error:
        service.create_endpoint(
            admin, {"url": "https://crm.internal.example/h", "events": ["ask.placed"]}
        )
    assert "(10.9.8.7)" in error.value.fields["url"]


def test_a_name_that_turned_private_after_saving_is_refused_when_sent_and_never_called(
    db, admin, listener, runner, monkeypatch
):
    url = f"http://crm.example:{listener.port}/hook"
    # Public when saved; 127.0.0.1 from then on (the DNS answer changed, or was rebound).
    resolve_as(monkeypatch, {"crm.example": [PUBLIC_ADDRESS, "127.0.0.1"]})
    dialled = spy_on_connections(monkeypatch)
    endpoint = service.create_endpoint(admin, {"url": url, "events": ["ask.placed"]})
    audit.record(admin, "ask.placed", AskFactory())
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    with pytest.raises(PermanentDeliveryError, match="127.0.0.1"):
        deliver_webhook(message)
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.endpoint_id == endpoint.id
    assert delivery.status_code is None and not delivery.succeeded
    assert "the portal only calls public addresses" in delivery.error
    # The sender gives up at once (retrying cannot help) and says why.
    assert runner.invoke(args=["send-outbox"]).exit_code == 0
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "failed" and "(127.0.0.1)" in message.last_error
    assert dialled == []
    assert not listener.connected()


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_a_stored_private_address_is_refused_at_send_time(db, admin, listener, monkeypatch, url):
    """A row written before this check existed (or by hand) is refused when it is sent."""
    dialled = spy_on_connections(monkeypatch)
    endpoint = WebhookEndpoint(
        url=url.format(port=listener.port), secret="s" * 20, events=["ask.placed"]
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(admin, "ask.placed", AskFactory())
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    with pytest.raises(PermanentDeliveryError, match=REFUSAL):
        deliver_webhook(message)
    assert dialled == []
    assert not listener.connected()
