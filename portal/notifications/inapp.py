"""In-app notifications: the list, unread counts, marking read, and the events that only this
module tells people about (a request fulfilled)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_request_context

from portal.database import now_utc
from portal.errors import NotFound, get_or_not_found
from portal.events import Event, subscribe
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.service import queue_email
from portal.urls import external_url
from portal.vocab import label

_UNREAD = "portal.unread_count"  # {user id: count} read with the user (`portal.layout`)


def unread_count_column(user_id) -> sa.ScalarSelect:
    """The unread count of the user whose id is `user_id` (a column or a value)."""
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def remember_unread_count(user, count: int) -> None:
    g.setdefault(_UNREAD, {})[user.id] = count


def _forget_unread_count(user) -> None:
    if has_request_context():
        g.get(_UNREAD, {}).pop(user.id, None)


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if has_request_context() and user.id in g.get(_UNREAD, {}):
        return g.get(_UNREAD)[user.id]
    return db.session.scalar(sa.select(unread_count_column(user.id)))


def notifications_query(user, *, unread_only: bool = False) -> sa.Select:
    """The user's notifications, newest first."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def get_notification(actor, notification_id: int) -> Notification:
    return get_or_not_found(
        Notification,
        notification_id,
        "No such notification.",
        lambda note: note.user_id == actor.id,
    )


def mark_read(actor, note: Notification) -> Notification:
    """Mark one of the actor's notifications read (reading twice changes nothing)."""
    if note.user_id != actor.id:
        raise NotFound("No such notification.")
    if note.read_at is None:
        note.read_at = now_utc()
        _forget_unread_count(actor)
    return note


def mark_all_read(actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now_utc())
    )
    _forget_unread_count(actor)
    return result.rowcount


def tell_request_fulfilled(event: Event) -> None:
    """The requester hears that enough advocates accepted."""
    request = event.obj
    accepted = [a for a in request.asks if a.status in ("accepted", "completed")]
    queue_email(
        "request_fulfilled",
        request.requester.email,
        f"Your {label(request.activity_type).lower()} request is fulfilled",
        request=request,
        advocates=sorted(accepted, key=lambda a: a.id),
        accepted=len(accepted),
        link=external_url("requests.detail", request_id=request.id),
    )


def register() -> None:
    """Subscribe the in-app notice of a fulfilled request.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("request.fulfilled")(tell_request_fulfilled)
