"""Writing audit events. Every service that changes state calls record()."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.permissions import demand
from portal.events import Event, publish
from portal.extensions import db
from portal.operations.logs import current_request_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def events_query(actor, filters: dict, entity_id: int | None = None) -> sa.Select:
    """The audit log as its page filters it, newest first: by `action`, `entity` (and
    `entity_id`), the request's reference (`request`), the actor whose e-mail address contains
    `actor`, and the days `since` to `until` (UTC, both included)."""
    demand(actor, "audit.view", "Only administrators read the audit log.")
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    for column, key in (
        (AuditEvent.action, "action"),
        (AuditEvent.entity, "entity"),
        (AuditEvent.request_id, "request"),
    ):
        if filters.get(key):
            query = query.where(column == filters[key])
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if filters.get("actor"):
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.icontains(filters["actor"], autoescape=True)
        )
    if filters.get("since"):
        query = query.where(
            AuditEvent.at >= dt.datetime.combine(filters["since"], dt.time(), dt.UTC)
        )
    if filters.get("until"):
        until = dt.datetime.combine(filters["until"], dt.time(), dt.UTC) + dt.timedelta(days=1)
        query = query.where(AuditEvent.at < until)
    return query


def filter_choices() -> tuple[list[str], list[str]]:
    """The actions and the kinds of record the log holds, for its filters."""
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    entities = db.session.scalars(
        sa.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)
    ).all()
    return list(actions), list(entities)


def record(actor, action: str, entity, data: dict | None = None) -> AuditEvent:
    """Add an audit event for `entity` (a model instance, flushed so it has an id).

    The same facts are published as a domain event (`portal.events`), in this transaction.
    The event carries the current web request's id, so a log line and its changes meet.
    """
    db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity=entity.__tablename__,
        entity_id=entity.id,
        data=_jsonable(data or {}),
        request_id=current_request_id(),
    )
    db.session.add(event)
    publish(Event(action, entity.__tablename__, entity.id, entity, actor, event.data))
    return event


def changes(obj, values: dict[str, Any]) -> dict[str, list]:
    """Apply `values` to `obj`; return {field: [old, new]} for what really changed."""
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [old, new]
            setattr(obj, field, new)
    return changed
