"""Reminding advocates of asks they have not answered before `respond_by` ends.

Registered with `send-reminders` (see `portal.notifications.reminders`): every pending ask whose
answer time ends within `ASK_REMINDER_DAYS` gets at most one reminder per day (a `dedupe_key`
of the ask and the day), however often the command runs.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.asks.service import answer_links
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.reminders import already_sent, reminder
from portal.notifications.service import queue_email
from portal.urls import external_url
from portal.vocab import label


def reminder_key(ask: Ask, now: dt.datetime) -> str:
    return f"ask-reminder:{ask.id}:{now.astimezone(dt.UTC).date().isoformat()}"


def _reminded_in_app(ask: Ask, now: dt.datetime) -> bool:
    """An advocate who reads reminders in the portal only has no outbox row to carry the key:
    their in-app reminder for this ask today counts instead."""
    user = ask.advocate.user
    if user is None:
        return False
    day_start = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(), dt.UTC)
    link_suffix = f"/me/asks/{ask.id}"
    links = db.session.scalars(
        sa.select(Notification.link).where(
            Notification.user_id == user.id,
            Notification.event_type == "ask_reminder",
            Notification.created_at >= day_start,
        )
    )
    return any((link or "").endswith(link_suffix) for link in links)


@reminder("asks.respond_by")
def remind_pending_asks(now: dt.datetime) -> int:
    """Pending asks whose time to answer ends within the reminder window, once per ask and day."""
    window = dt.timedelta(days=current_app.config["ASK_REMINDER_DAYS"])
    due = db.session.scalars(
        sa.select(Ask)
        .join(Advocate, Ask.advocate_id == Advocate.id)
        .where(
            Ask.status == "pending",
            Ask.respond_by > now,
            Ask.respond_by <= now + window,
            Advocate.status == "active",
        )
        .order_by(Ask.respond_by, Ask.id)
    ).all()
    written = 0
    for ask in due:
        key = reminder_key(ask, now)
        if already_sent(key) or _reminded_in_app(ask, now):
            continue
        advocate, request = ask.advocate, ask.request
        links = answer_links(ask) if advocate.user is not None else {}
        queue_email(
            "ask_reminder",
            advocate.email,
            f"Reminder: could you help with a {label(request.activity_type).lower()}?",
            dedupe_key=key,
            ask=ask,
            request=request,
            advocate=advocate,
            accept_link=links.get("accept"),
            decline_link=links.get("decline"),
            portal_link=external_url("me.ask", ask_id=ask.id),
        )
        written += 1
    return written
