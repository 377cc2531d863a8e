"""Webhook endpoints and the record of every delivery attempt."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import now_utc
from portal.extensions import db

# The domain events an endpoint may subscribe to, with the words an admin reads.
WEBHOOK_EVENTS = {
    "ask.placed": "Ask placed",
    "ask.accepted": "Ask accepted",
    "ask.declined": "Ask declined",
    "ask.completed": "Ask completed",
    "request.submitted": "Request submitted",
    "request.fulfilled": "Request fulfilled",
    "claim.approved": "Claim approved",
    "claim.declined": "Claim declined",
    "advocate.status_changed": "Advocate status changed",
    "opportunity.outcome_changed": "Opportunity outcome changed",
}


class WebhookEndpoint(db.Model):
    """A URL that receives the chosen events, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    secret: Mapped[str] = mapped_column(sa.String(200))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebhookDelivery.id.desc()",
    )


class WebhookDelivery(db.Model):
    """One attempt to deliver one event to one endpoint, with the endpoint's answer."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    event: Mapped[str] = mapped_column(sa.String(64))
    attempted_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(sa.String(500))
    succeeded: Mapped[bool] = mapped_column(default=False)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
