"""The outbox: every message is written in the transaction of the change that causes it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import enum_column, now_utc
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
