"""The weekly digest: notifications a user chose to get as a digest, in one e-mail a week.

`flask --app portal send-digests` may run as often as wanted (daily from cron): each user gets
at most one digest per ISO week, made unique by the outbox `dedupe_key` `digest:<user>:<week>`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import ngettext

from portal.auth.models import User
from portal.database import chunks, now_utc
from portal.extensions import db
from portal.i18n import DEFAULT_LOCALE, in_locale
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.reminders import sent_keys
from portal.notifications.service import Audience, clean_header, render_message
from portal.urls import external_url


def week_key(at: dt.datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: int, at: dt.datetime) -> str:
    return f"digest:{user_id}:{week_key(at)}"


def send_digests(at: dt.datetime | None = None) -> int:
    """Write this week's digest for every user with pending digest items; returns how many.

    A fixed number of queries however many users and items: the items, the digests already
    written this week, the users and their time zones are each read once for all of them.
    """
    at = at or now_utc()
    pending = db.session.scalars(
        sa.select(Notification)
        .where(Notification.digest == "pending", Notification.created_at <= at)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    items_of: dict[int, list[Notification]] = defaultdict(list)
    for item in pending:
        items_of[item.user_id].append(item)
    keys = {user_id: digest_key(user_id, at) for user_id in items_of}
    # A user whose digest went already this week keeps their items for next week.
    done = sent_keys(keys.values())
    due = [user_id for user_id in items_of if keys[user_id] not in done]
    if not due:
        return 0
    users = {
        user.id: user
        for some in chunks(due)
        for user in db.session.scalars(sa.select(User).where(User.id.in_(some)))
    }
    audience = Audience(user.email for user in users.values() if user.active)
    written = 0
    for user_id in due:
        user, items = users.get(user_id), items_of[user_id]
        if user is None or not user.active:
            continue  # nobody to tell: the items are marked sent below all the same
        locale = audience.locale(user.email)
        with in_locale(locale):
            subject = clean_header(
                ngettext(
                    "Your weekly summary: %(num)s update",
                    "Your weekly summary: %(num)s updates",
                    len(items),
                )
            )
        text, html = render_message(
            "digest",
            user.email,
            user,
            audience=audience,
            person=user,
            items=items,
            notifications_link=external_url("notifications.index"),
        )
        db.session.add(
            OutboxMessage(
                kind="email",
                template="digest",
                recipient=clean_header(user.email, 2000),
                subject=subject,
                body_text=text,
                body_html=html,
                user_id=user.id,
                dedupe_key=keys[user_id],
                meta={"locale": locale} if locale != DEFAULT_LOCALE else None,
            )
        )
        written += 1
    for some in chunks([item.id for user_id in due for item in items_of[user_id]]):
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(some)).values(digest="sent")
        )
    return written


@click.command("send-digests")
@with_appcontext
def send_digests_command():
    """Write the weekly digest e-mails that are due (at most one per user and week)."""
    written = send_digests()
    db.session.commit()
    click.echo(f"Wrote {written} digest{'s' if written != 1 else ''}.")
