"""Webhooks: endpoints, one outbox message per subscribed event, signed delivery, retries."""

from __future__ import annotations

import json
import socket

import pytest
import sqlalchemy as sa

from portal.audit import service as audit
from portal.errors import Forbidden, ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.notifications.transport import (
    TRANSPORTS,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from portal.webhooks import service
from portal.webhooks.delivery import deliver_webhook, verify
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import AskFactory, UserFactory

SECRET = "a-very-secret-signing-key"


@pytest.fixture
def admin(db):
    return UserFactory(role="admin", email="admin@example.com")


def _endpoint(admin, url, events=("ask.placed",), **extra):
    return service.create_endpoint(
        admin, {"url": url, "events": list(events), "secret": SECRET, **extra}
    )


def _webhooks(db):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook")).all()


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "javascript:alert(1)", "example.com/hook", "http://", "file:///etc"],
)
def test_a_url_that_is_not_http_is_refused_and_nothing_written(db, admin, url):
    with pytest.raises(ValidationFailed) as error:
        service.create_endpoint(admin, {"url": url, "events": ["ask.placed"]})
    assert "url" in error.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_events_must_be_known_and_at_least_one(db, admin):
    with pytest.raises(ValidationFailed) as error:
        service.create_endpoint(admin, {"url": "https://crm.example/h", "events": []})
    assert "events" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        service.create_endpoint(admin, {"url": "https://crm.example/h", "events": ["ask.eaten"]})
    assert "events" in error.value.fields


def test_only_admins_manage_webhooks(db):
    manager = UserFactory(role="manager")
    with pytest.raises(Forbidden):
        service.create_endpoint(manager, {"url": "https://crm.example/h", "events": ["ask.placed"]})


def test_a_secret_is_generated_when_none_is_given(db, admin):
    endpoint = service.create_endpoint(
        admin, {"url": "https://crm.example/h", "events": ["claim.approved"]}
    )
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 30


def test_an_event_writes_one_outbox_message_per_subscribed_active_endpoint(db, admin):
    first = _endpoint(admin, "https://one.example/h", events=("ask.placed", "ask.completed"))
    _endpoint(admin, "https://two.example/h", events=("claim.approved",))
    _endpoint(admin, "https://off.example/h", active=False)
    ask = AskFactory()
    audit.record(admin, "ask.placed", ask, {"advocate_id": ask.advocate_id})
    messages = _webhooks(db)
    assert len(messages) == 1
    message = messages[0]
    assert message.recipient == "https://one.example/h"
    assert message.meta == {"endpoint_id": first.id, "event": "ask.placed"}
    body = json.loads(message.body_text)
    assert body["event"] == "ask.placed"
    assert (body["entity"], body["entity_id"]) == ("asks", ask.id)
    assert body["object"]["id"] == ask.id and body["object"]["advocate_id"] == ask.advocate_id


def test_an_event_rolled_back_leaves_no_webhook(db, admin):
    _endpoint(admin, "https://one.example/h")
    db.session.commit()
    audit.record(admin, "ask.placed", AskFactory())
    db.session.rollback()
    assert _webhooks(db) == []


def _queued(db, admin, url, event="ask.placed"):
    endpoint = _endpoint(admin, url, events=(event,))
    audit.record(admin, event, AskFactory())
    db.session.commit()
    return endpoint, _webhooks(db)[0]


def test_delivery_is_signed_and_recorded(db, admin, receiver):
    endpoint, message = _queued(db, admin, receiver.url)
    assert TRANSPORTS["webhook"] is deliver_webhook
    assert deliver_webhook(message) == "HTTP 200"
    db.session.commit()
    (call,) = receiver.calls
    assert call["path"] == "/hooks/portal"
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["headers"]["X-Portal-Event"] == "ask.placed"
    assert call["body"] == message.body_text
    assert verify(SECRET, call["headers"]["X-Portal-Signature"], call["body"])
    assert not verify(
        "another-secret-entirely", call["headers"]["X-Portal-Signature"], call["body"]
    )
    assert not verify(SECRET, call["headers"]["X-Portal-Signature"], call["body"] + " ")
    (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert (delivery.endpoint_id, delivery.outbox_message_id) == (endpoint.id, message.id)
    assert (delivery.status_code, delivery.succeeded) == (200, True)
    assert '"received": true' in delivery.response_body
    assert delivery.duration_ms >= 0


def test_an_old_signature_is_refused_by_verify():
    from portal.webhooks.delivery import signature_header

    header = signature_header(SECRET, 1_000_000, "{}")
    assert verify(SECRET, header, "{}", now=1_000_100)
    assert not verify(SECRET, header, "{}", now=1_000_000 + 3600)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, TransientDeliveryError),
        (503, TransientDeliveryError),
        (408, TransientDeliveryError),
        (429, TransientDeliveryError),
        (404, PermanentDeliveryError),
        (410, PermanentDeliveryError),
        (302, PermanentDeliveryError),
    ],
)
def test_answers_are_sorted_into_retry_or_give_up(db, admin, receiver, status, error):
    _, message = _queued(db, admin, receiver.url)
    receiver.statuses = [status]
    with pytest.raises(error):
        deliver_webhook(message)
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert (delivery.status_code, delivery.succeeded) == (status, False)


def test_an_unreachable_endpoint_is_retried(db, admin):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _, message = _queued(db, admin, f"http://127.0.0.1:{port}/nobody")
    with pytest.raises(TransientDeliveryError):
        deliver_webhook(message)
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status_code is None and "Could not reach" in delivery.error


def test_a_deleted_or_switched_off_endpoint_gives_up(db, admin, receiver):
    endpoint, message = _queued(db, admin, receiver.url)
    endpoint.active = False
    db.session.commit()
    with pytest.raises(PermanentDeliveryError):
        deliver_webhook(message)
    service.delete_endpoint(admin, endpoint)
    db.session.commit()
    with pytest.raises(PermanentDeliveryError):
        deliver_webhook(message)
    assert receiver.calls == []


def test_only_the_status_and_a_short_printable_snippet_of_the_answer_are_kept(db, admin, receiver):
    _, message = _queued(db, admin, receiver.url)
    receiver.statuses = [500]
    receiver.answer = b"\x1b[2J<html>\x00\r\ninternal page: " + b"db-password=hunter2 " * 500
    with pytest.raises(TransientDeliveryError):
        deliver_webhook(message)
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status_code == 500
    assert len(delivery.response_body) <= 200
    assert delivery.response_body.startswith("[2J<html> internal page: db-password=hunter2")
    assert all(ch.isprintable() for ch in delivery.response_body)
