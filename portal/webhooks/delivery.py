"""Deliver a webhook outbox message: a signed POST, with every attempt and answer recorded.

The signature header reads `X-Portal-Signature: t=<unix time>,v1=<hex>`, where the hex is
HMAC-SHA256 with the endpoint's secret over `f"{t}.{body}"`. A receiver recomputes it, compares
in constant time, and refuses a timestamp older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.transport import (
    DeliveryError,
    PermanentDeliveryError,
    post,
    refusal,
    transport,
)
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Portal-Signature"


def sign(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return digest.hexdigest()


def signature_header(secret: str, timestamp: int, body: str) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: str, *, tolerance: int = 300, now=None) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance` seconds old."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), sign(secret, timestamp, body))


def _record(message, endpoint_id, started, *, status=None, body=None, error=None, ok=False):
    db.session.add(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            outbox_message_id=message.id,
            event=(message.meta or {}).get("event") or message.subject,
            status_code=status,
            response_body=body,
            duration_ms=int((time.monotonic() - started) * 1000),
            error=error[:500] if error else None,
            succeeded=ok,
        )
    )
    db.session.flush()


def deliver_webhook(message: OutboxMessage) -> str | None:
    """POST the message's body to its endpoint; raise Transient/PermanentDeliveryError."""
    meta = message.meta or {}
    endpoint = db.session.get(WebhookEndpoint, meta.get("endpoint_id") or 0)
    if endpoint is None:
        raise PermanentDeliveryError("The webhook endpoint was deleted.")
    started = time.monotonic()
    if not endpoint.active:
        _record(message, endpoint.id, started, error="Endpoint switched off: not sent.")
        raise PermanentDeliveryError("The webhook endpoint is switched off.")
    endpoint_id, secret = endpoint.id, endpoint.secret
    # No transaction stays open while the network is slow (the sender's rule too).
    db.session.rollback()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "AdvocatePortal-Webhooks/1",
        "X-Portal-Event": meta.get("event") or message.subject,
        "X-Portal-Delivery": str(message.id),
        SIGNATURE_HEADER: signature_header(secret, timestamp, message.body_text),
    }
    timeout = current_app.config.get("WEBHOOK_TIMEOUT", 10)
    try:
        # The URL and every address it resolves to are checked again now (DNS may have changed).
        status, snippet = post(message.recipient, message.body_text.encode(), headers, timeout)
    except DeliveryError as error:  # refused (a private address) or unreachable
        _record(message, endpoint_id, started, error=str(error))
        raise
    ok = 200 <= status < 300
    # Only the status and a short printable snippet of the answer are kept (and shown).
    _record(message, endpoint_id, started, status=status, body=snippet or None, ok=ok)
    if ok:
        return f"HTTP {status}"
    raise refusal(status, f"The endpoint answered HTTP {status}.")


def register() -> None:
    """Install the webhook transport.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    transport("webhook")(deliver_webhook)
