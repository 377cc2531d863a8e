"""What the reports read instead of scanning every ask: per request, its asks summed up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import now_utc
from portal.extensions import db


class RequestFacts(db.Model):
    """Per reference request: how many asks, accepted, completed and declined (by reason),
    and the first accept; kept current by `portal.reports.facts` when asks change."""

    __tablename__ = "report_request_facts"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="CASCADE"), primary_key=True
    )
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
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
