"""Advocates (customer contacts), their preferences and blackout periods."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import ADVOCATE_STATUSES, CONTACT_CHANNELS, SENIORITIES

# Where a nomination came from (portal/nominations): customer success, another team, the program
# team, the person themselves (the public page), a CSV import, a suggested candidate.
NOMINATION_SOURCES = ("csm", "requester", "program", "self", "import", "suggestion")


class Advocate(TimestampMixin, db.Model):
    __tablename__ = "advocates"
    __table_args__ = (
        sa.CheckConstraint(
            "max_per_month IS NULL OR max_per_month BETWEEN 0 AND 50", name="max_per_month_range"
        ),
        sa.CheckConstraint(
            "max_per_quarter IS NULL OR max_per_quarter BETWEEN 0 AND 50",
            name="max_per_quarter_range",
        ),
        sa.CheckConstraint(
            "max_per_year IS NULL OR max_per_year BETWEEN 0 AND 50", name="max_per_year_range"
        ),
        sa.CheckConstraint(
            "min_days_between IS NULL OR min_days_between BETWEEN 0 AND 365",
            name="min_days_between_range",
        ),
        sa.Index("ix_advocates_account_status", "account_id", "status"),
        # Lists by status, most recently changed first (the pipeline board's columns).
        sa.Index("ix_advocates_status_updated", "status", "updated_at", "id"),
        # Who has nominated anyone; a person's nominations newest first (read in order, not
        # sorted: a CSM may have nominated thousands).
        sa.Index("ix_advocates_nominated_by_created", "nominated_by_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    title: Mapped[str | None] = mapped_column(sa.String(120))
    seniority: Mapped[str | None] = mapped_column(enum_column(*SENIORITIES, name="seniority"))
    products: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    use_cases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # The language of their pages and messages (portal.i18n.LOCALES); None: the browser's, and
    # for messages the first of `languages` the portal has.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    bio: Mapped[str | None] = mapped_column(sa.Text)
    # Administrators' own fields: key -> value (portal.program.custom_fields).
    custom_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(
        enum_column(*ADVOCATE_STATUSES, name="advocate_status"), default="nominated"
    )
    nominated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    nomination_reason: Mapped[str | None] = mapped_column(sa.Text)
    nomination_source: Mapped[str] = mapped_column(
        enum_column(*NOMINATION_SOURCES, name="nomination_source"),
        default="program",
        server_default="program",
    )
    consent_at: Mapped[dt.datetime | None]
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    # Preferences: what the advocate accepts and how often (null limit: program default).
    activity_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    max_per_month: Mapped[int | None]
    max_per_quarter: Mapped[int | None]
    max_per_year: Mapped[int | None]
    min_days_between: Mapped[int | None]
    preferred_contact: Mapped[str] = mapped_column(
        enum_column(*CONTACT_CHANNELS, name="contact_channel"), default="email"
    )
    paused_until: Mapped[dt.date | None]
    # Data rights: the advocate asks for erasure; a manager confirms, which anonymizes them.
    erasure_requested_at: Mapped[dt.datetime | None]
    anonymized_at: Mapped[dt.datetime | None]

    account: Mapped[Account] = relationship(back_populates="advocates")  # noqa: F821
    user: Mapped[User | None] = relationship(  # noqa: F821
        back_populates="advocate", foreign_keys=[user_id]
    )
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])  # noqa: F821
    blackouts: Mapped[list[Blackout]] = relationship(
        back_populates="advocate", cascade="all, delete-orphan", order_by="Blackout.start"
    )

    def __repr__(self) -> str:
        return f"<Advocate {self.email}>"


class Blackout(db.Model):
    """A period in which an advocate must not be asked."""

    __tablename__ = "blackouts"
    __table_args__ = (sa.CheckConstraint('"end" >= start', name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[dt.date]
    end: Mapped[dt.date]
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    advocate: Mapped[Advocate] = relationship(back_populates="blackouts")
