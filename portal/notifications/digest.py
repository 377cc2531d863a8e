"""The weekly digest: notifications a user chose to get as a digest, in one e-mail a week.

`flask --app portal send-digests` may run as often as wanted (daily from cron): each user gets
at most one digest per ISO week, made unique by the outbox `dedupe_key` `digest:<user>:<week>`.
"""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.service import clean_header, render_message
from portal.urls import external_url


def week_key(at: dt.datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: int, at: dt.datetime) -> str:
    return f"digest:{user_id}:{week_key(at)}"


def send_digests(at: dt.datetime | None = None) -> int:
    """Write this week's digest for every user with pending digest items; returns how many."""
    at = at or now_utc()
    user_ids = db.session.scalars(
        sa.select(Notification.user_id)
        .where(Notification.digest == "pending", Notification.created_at <= at)
        .distinct()
        .order_by(Notification.user_id)
    ).all()
    written = 0
    for user_id in user_ids:
        key = digest_key(user_id, at)
        if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue  # this week's digest went already; the rest waits for next week
        user = db.session.get(User, user_id)
        items = db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.digest == "pending",
                Notification.created_at <= at,
            )
            .order_by(Notification.created_at, Notification.id)
        ).all()
        if user is None or not user.active:
            for item in items:
                item.digest = "sent"
            continue
        subject = clean_header(f"Your weekly summary: {len(items)} update{'s' * (len(items) != 1)}")
        text, html = render_message(
            "digest",
            user.email,
            user,
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
                dedupe_key=key,
            )
        )
        for item in items:
            item.digest = "sent"
        written += 1
    return written


@click.command("send-digests")
@with_appcontext
def send_digests_command():
    """Write the weekly digest e-mails that are due (at most one per user and week)."""
    written = send_digests()
    db.session.commit()
    click.echo(f"Wrote {written} digest{'s' if written != 1 else ''}.")
