"""Reminding advocates of asks they have not answered before `respond_by` ends.

Registered with `send-reminders` (see `portal.notifications.reminders`): every pending ask whose
answer time ends within the reminder days (program setting `ask_reminder_days`, else the
configured `ASK_REMINDER_DAYS`) gets at most one reminder per day (a `dedupe_key`
of the ask and the day), however often the command runs.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import joinedload

from portal.advocates.models import Advocate
from portal.asks.asks import answer_links
from portal.asks.models import Ask
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.reminders import reminder, sent_keys
from portal.notifications.service import Audience, queue_email
from portal.program.policy import ask_reminder_days
from portal.urls import external_url
from portal.vocab import in_sentence

_ASK_LINK = re.compile(r"/me/asks/(\d+)$")


def reminder_key(ask: Ask, now: dt.datetime) -> str:
    return f"ask-reminder:{ask.id}:{now.astimezone(dt.UTC).date().isoformat()}"


def _reminded_in_app(asks: list[Ask], now: dt.datetime) -> set[int]:
    """The asks whose advocate got today's reminder in the portal. Advocates who read reminders
    in the portal only have no outbox row to carry the key: the in-app reminder counts instead."""
    user_ids = {ask.advocate.user_id for ask in asks if ask.advocate.user_id is not None}
    if not user_ids:
        return set()
    day_start = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(), dt.UTC)
    links = db.session.scalars(
        sa.select(Notification.link).where(
            Notification.user_id.in_(sorted(user_ids)),
            Notification.event_type == "ask_reminder",
            Notification.created_at >= day_start,
        )
    )
    return {int(found[1]) for found in map(_ASK_LINK.search, filter(None, links)) if found}


def remind_pending_asks(now: dt.datetime) -> int:
    """Pending asks whose time to answer ends within the reminder window, once per ask and day.

    A fixed number of queries however many asks are due: the asks come with their advocate,
    login and request, what was already sent today is read for all of them at once, and the
    recipients are read up front (`Audience`).
    """
    window = dt.timedelta(days=ask_reminder_days())
    due = db.session.scalars(
        sa.select(Ask)
        .join(Advocate, Ask.advocate_id == Advocate.id)
        .where(
            Ask.status == "pending",
            Ask.respond_by > now,
            Ask.respond_by <= now + window,
            Ask.not_held(now),
            Advocate.status == "active",
        )
        .options(joinedload(Ask.advocate).joinedload(Advocate.user), joinedload(Ask.request))
        .order_by(Ask.respond_by, Ask.id)
    ).all()
    if not due:
        return 0
    keys = {ask.id: reminder_key(ask, now) for ask in due}
    done = sent_keys(keys.values())
    in_app = _reminded_in_app(due, now)
    due = [ask for ask in due if keys[ask.id] not in done and ask.id not in in_app]
    audience = Audience(ask.advocate.email for ask in due)
    for ask in due:
        advocate, request = ask.advocate, ask.request
        links = answer_links(ask) if advocate.user is not None else {}
        queue_email(
            "ask_reminder",
            advocate.email,
            lazy_gettext(
                "Reminder: could you help with a %(activity)s?",
                activity=in_sentence(request.activity_type),
            ),
            dedupe_key=keys[ask.id],
            audience=audience,
            ask=ask,
            request=request,
            advocate=advocate,
            accept_link=links.get("accept"),
            decline_link=links.get("decline"),
            portal_link=external_url("me.ask", ask_id=ask.id),
        )
    return len(due)


def register() -> None:
    """Add the reminder of unanswered asks.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    reminder("asks.respond_by")(remind_pending_asks)
