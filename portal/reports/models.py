"""What the reports read instead of scanning requests and every ask: one narrow row per
reference request with the request's reporting facts and its asks summed up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import now_utc
from portal.extensions import db
from portal.vocab import DECLINE_REASONS

# A request's asks summed up: how many, accepted, completed, declined (by reason), the first
# accept; then the notice it gave and whether it was a rush.
ASK_FACTS = (
    "asks",
    "accepted",
    "completed",
    "declined",
    *[f"declined_{reason}" for reason in DECLINE_REASONS],
    "first_accept_at",
    "notice_days",
    "rush",
)
# What the reports read by range, in index order (the range column first).
CREATED_COVER = ("created_at", "status", "requester_id", "activity_type", *ASK_FACTS)
CLOSED_COVER = (
    "closed_on",
    "outcome",
    "opportunity_key",
    "completed",
    "amount",
    "requester_id",
    "industry",
)


class RequestFacts(db.Model):
    """Per reference request (drafts too): what the funnel, fulfilment and business value
    reports group and count, copied from the request, and its asks summed up (how many,
    accepted, completed, declined by reason, the first accept). Kept current in the same
    transaction by `portal.reports.facts` whenever a request or one of its asks changes.

    The team is not copied: reports join the requester (a handful of staff rows), so a team
    change shows at once. The opportunity is keyed by its CRM id, else by the request.
    """

    __tablename__ = "report_request_facts"
    # Covering indexes: the reports by creation (funnel, fulfilment, lead time) and by close
    # (business value) read their range from an index alone, never the rows (issue 16).
    __table_args__ = (
        sa.Index("ix_report_request_facts_created_cover", *CREATED_COVER),
        sa.Index("ix_report_request_facts_closed_cover", *CLOSED_COVER),
    )

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="CASCADE"), primary_key=True
    )
    requester_id: Mapped[int] = mapped_column(sa.Integer)
    activity_type: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime]
    opportunity_key: Mapped[str] = mapped_column(sa.String(80))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # open, won or lost
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    closed_on: Mapped[dt.date | None]  # the close date, else the needed-by date
    industry: Mapped[str | None] = mapped_column(sa.String(64))  # the first one asked for
    asks: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)  # accepted or completed
    completed: Mapped[int] = mapped_column(default=0)
    declined: Mapped[int] = mapped_column(default=0)
    declined_too_busy: Mapped[int] = mapped_column(default=0)
    declined_not_a_fit: Mapped[int] = mapped_column(default=0)
    declined_topic: Mapped[int] = mapped_column(default=0)
    declined_timing: Mapped[int] = mapped_column(default=0)
    declined_other: Mapped[int] = mapped_column(default=0)
    first_accept_at: Mapped[dt.datetime | None]
    notice_days: Mapped[int | None]  # working days of notice given (lead time report)
    rush: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
