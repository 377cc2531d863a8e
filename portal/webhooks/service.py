"""Webhook endpoints (admin only) and the subscriber that writes their outbox messages."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from portal import outbound
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.errors import get_or_not_found
from portal.events import Event, subscribe
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.validation import Checker
from portal.webhooks.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from portal.webhooks.payloads import payload

FIELDS = ("url", "description", "secret", "events", "active")
SECRET_MIN = 16


def _require(actor) -> None:
    demand(actor, "webhooks.manage", "Only an administrator manages webhooks.")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url: str) -> str | None:
    """Why `url` can't be a webhook address, or None when it can: http(s), a host, no
    credentials, an allowed port, and no private address that it resolves to now
    (`portal.outbound`; each delivery checks again)."""
    return outbound.problem(url)


def _clean(data: dict, *, partial: bool) -> dict:
    check = Checker(data, allowed=FIELDS, partial=partial)
    check.text("url", max_length=2000, required=True)
    check.text("description", max_length=200)
    check.text("secret", max_length=200)
    check.choices("events", WEBHOOK_EVENTS, max_items=len(WEBHOOK_EVENTS))
    if "active" in check.data:
        if isinstance(check.data["active"], bool):
            check.clean["active"] = check.data["active"]
        else:
            check.error("active", "Must be true or false.")
    if check.clean.get("url"):
        problem = check_url(check.clean["url"])
        if problem:
            check.error("url", problem)
    secret = check.clean.get("secret")
    if secret is not None and len(secret) < SECRET_MIN:
        check.error("secret", f"Use at least {SECRET_MIN} characters, or leave it empty.")
    if "events" in check.clean and not check.clean["events"]:
        check.error("events", "Choose at least one event.")
    return check.done()


def create_endpoint(actor, data: dict) -> WebhookEndpoint:
    """Register an endpoint; without a secret one is generated."""
    _require(actor)
    clean = _clean(data, partial=False)
    endpoint = WebhookEndpoint(
        url=clean["url"],
        description=clean.get("description"),
        secret=clean.get("secret") or new_secret(),
        events=clean["events"],
        active=clean.get("active", True),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(endpoint)
    audit.record(
        actor, "webhook.created", endpoint, {"url": endpoint.url, "events": endpoint.events}
    )
    return endpoint


def update_endpoint(actor, endpoint: WebhookEndpoint, data: dict) -> None:
    """Change an endpoint; an empty secret keeps the current one."""
    _require(actor)
    clean = _clean(data, partial=True)
    values = {k: v for k, v in clean.items() if k != "secret"}
    changed = audit.changes(endpoint, values)
    if clean.get("secret"):
        endpoint.secret = clean["secret"]
        changed["secret"] = ["(hidden)", "(changed)"]
    if changed:
        audit.record(actor, "webhook.updated", endpoint, changed)


def rotate_secret(actor, endpoint: WebhookEndpoint) -> str:
    _require(actor)
    endpoint.secret = new_secret()
    audit.record(actor, "webhook.secret_rotated", endpoint)
    return endpoint.secret


def reveal_secret(actor, endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret, for an admin who asked to see it (audited)."""
    _require(actor)
    audit.record(actor, "webhook.secret_revealed", endpoint)
    return endpoint.secret


def delete_endpoint(actor, endpoint: WebhookEndpoint) -> None:
    _require(actor)
    audit.record(actor, "webhook.deleted", endpoint, {"url": endpoint.url})
    db.session.delete(endpoint)


def get_endpoint(actor, endpoint_id: int) -> WebhookEndpoint:
    _require(actor)
    return get_or_not_found(WebhookEndpoint, endpoint_id, "No such webhook endpoint.")


def endpoints_query(actor) -> sa.Select:
    _require(actor)
    return sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)


def last_deliveries(endpoints: list[WebhookEndpoint]) -> dict[int, WebhookDelivery]:
    """{endpoint id: its latest delivery attempt} for a page of endpoints, in one query."""
    ids = [endpoint.id for endpoint in endpoints]
    if not ids:
        return {}
    latest = (
        sa.select(sa.func.max(WebhookDelivery.id))
        .where(WebhookDelivery.endpoint_id.in_(ids))
        .group_by(WebhookDelivery.endpoint_id)
    )
    rows = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(latest)))
    return {delivery.endpoint_id: delivery for delivery in rows}


def deliveries_query(actor, endpoint: WebhookEndpoint) -> sa.Select:
    _require(actor)
    return (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )


def queue_webhooks(event: Event) -> None:
    """One outbox message per active endpoint subscribed to the event, in its transaction."""
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
        )
        if event.action in (endpoint.events or [])
    ]
    if not endpoints:
        return
    body = payload(event)
    for endpoint in endpoints:
        db.session.add(
            OutboxMessage(
                kind="webhook",
                template="webhook",
                recipient=endpoint.url,
                subject=event.action,
                body_text=body,
                meta={"endpoint_id": endpoint.id, "event": event.action},
            )
        )


def register() -> None:
    """Subscribe `queue_webhooks` to the webhook events.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe(*WEBHOOK_EVENTS)(queue_webhooks)
