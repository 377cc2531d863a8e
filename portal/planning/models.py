"""Planning: initiatives (a launch, a new segment, a partner channel) and the needs planned for
them, so many references of a kind by a date, set against the advocates who can supply them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, TEAMS

INITIATIVE_KINDS = ("launch", "new_segment", "partner_channel", "other")
# Who plans a need: the program team, customer success, or a requesting team.
PLANNING_TEAMS = ("program", "csm", *TEAMS)


class Initiative(TimestampMixin, db.Model):
    """Something the company does that needs references: 'Q1 launch of product X'."""

    __tablename__ = "initiatives"
    __table_args__ = (
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
            name="ends_after_starts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*INITIATIVE_KINDS, name="initiative_kind"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class PlannedNeed(TimestampMixin, db.Model):
    """So many activities of one type, matching optional criteria, needed by a date."""

    __tablename__ = "planned_needs"
    __table_args__ = (
        sa.CheckConstraint("count_needed BETWEEN 1 AND 10000", name="count_needed_range"),
        sa.Index("ix_planned_needs_needed_by", "needed_by", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="SET NULL"), index=True
    )
    target_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("targets.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    activity_type: Mapped[str] = mapped_column(enum_column(*ACTIVITY_TYPES, name="activity_type"))
    count_needed: Mapped[int]
    needed_by: Mapped[dt.date]
    industry: Mapped[str | None] = mapped_column(sa.String(64))
    segment: Mapped[str | None] = mapped_column(enum_column(*SEGMENTS, name="segment"))
    region: Mapped[str | None] = mapped_column(enum_column(*REGIONS, name="region"))
    product: Mapped[str | None] = mapped_column(sa.String(64))
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    owner_team: Mapped[str] = mapped_column(enum_column(*PLANNING_TEAMS, name="planning_team"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    initiative: Mapped[Initiative | None] = relationship()
    target: Mapped[Target | None] = relationship()  # noqa: F821
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821
