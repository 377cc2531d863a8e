"""Writing audit events. Every service that changes state calls record()."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from portal.audit.models import AuditEvent
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
