"""The outbox: every message is written in the transaction of the change that causes it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.database import enum_column, now_utc
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.vocab import OUTBOX_KINDS, OUTBOX_STATUSES


class OutboxMessage(db.Model):
    """One message to deliver: an e-mail, a team-chat post or a webhook call.

    `kind` picks the transport (see `portal.notifications.transport`). `meta` holds what a
    transport needs besides the text (a webhook endpoint id, a chat flavour); `attachments`
    is a list of `{"filename", "content_type", "content"}` (text content, e.g. an ICS file).
    `dedupe_key`, when set, makes a second message for the same thing impossible (reminders).
    A sender claims a message by setting `claimed_until` before delivering it.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        enum_column(*OUTBOX_KINDS, name="outbox_kind"), default="email"
    )
    template: Mapped[str] = mapped_column(sa.String(64))
    recipient: Mapped[str] = mapped_column(sa.String(2000))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list | None] = mapped_column(sa.JSON)
    meta: Mapped[dict | None] = mapped_column(sa.JSON)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(
        enum_column(*OUTBOX_STATUSES, name="outbox_status"), default="queued"
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    claimed_until: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    sent_at: Mapped[dt.datetime | None]

    @validates("recipient", "subject")
    def _refuse_line_breaks(self, key: str, value: str) -> str:
        """The one queue-time guard against header injection: whoever writes a message (e-mail,
        chat, webhook), its recipient and subject become headers or URLs, so a line break
        (e.g. from a person's name in a subject) is refused before anything is written."""
        if value is not None and any(ch in value for ch in "\r\n\x00\x0b\x0c\x85\u2028\u2029"):
            raise ValidationFailed("Must be on one line (no line breaks).", field=key)
        return value


class Notification(db.Model):
    """An in-app notification: what the bell in the navigation counts until it is read.

    `digest` is "pending" while the notification waits for the user's weekly digest e-mail and
    "sent" once a digest carried it; None when the user does not get this event as a digest.
    """

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str | None] = mapped_column(sa.String(500))
    digest: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    read_at: Mapped[dt.datetime | None]


class NotificationSetting(db.Model):
    """How one user wants one event type: `email`, `in_app` only, or a weekly `digest`."""

    __tablename__ = "notification_settings"
    __table_args__ = (sa.UniqueConstraint("user_id", "event_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str] = mapped_column(sa.String(16))


class CalendarFeed(db.Model):
    """A user's private calendar feed. The URL's token is an HMAC of `nonce` with the secret
    key, so the table alone does not reveal feed URLs; a new nonce revokes the old URL."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
