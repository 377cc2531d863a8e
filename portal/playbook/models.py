"""The requesters' playbook: one entry per activity type."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES


class PlaybookEntry(TimestampMixin, db.Model):
    """Which sales stages an activity type fits, how to brief an advocate for it, do's and
    don'ts (one a line). The lead time is the program setting `lead_time_days`."""

    __tablename__ = "playbook_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_type: Mapped[str] = mapped_column(
        enum_column(*ACTIVITY_TYPES, name="activity_type"), unique=True
    )
    stages: Mapped[list] = mapped_column(sa.JSON, default=list)
    brief: Mapped[str] = mapped_column(sa.Text, default="")
    dos: Mapped[str] = mapped_column(sa.Text, default="")
    donts: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    updated_by = relationship("User", lazy="raise")
