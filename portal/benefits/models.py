"""The benefits catalog, advocates' claims and the points ledger."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import BENEFIT_KINDS, BENEFIT_STATUSES, CLAIM_STATUSES, LEDGER_REASONS

# Who may claim a benefit: every active advocate, those with at least `min_completed`
# completed activities, or the advocates on the benefit's chosen list.
ELIGIBILITY_RULES = ("everyone", "min_completed", "chosen")


class Benefit(TimestampMixin, db.Model):
    __tablename__ = "benefits"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("points_cost >= 0", name="points_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*BENEFIT_KINDS, name="benefit_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    event_date: Mapped[dt.date | None]
    location: Mapped[str | None] = mapped_column(sa.String(200))
    capacity: Mapped[int | None]  # null: unlimited
    points_cost: Mapped[int] = mapped_column(default=0)
    claim_deadline: Mapped[dt.date | None]
    requires_approval: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(
        enum_column(*BENEFIT_STATUSES, name="benefit_status"), default="open", index=True
    )
    eligibility: Mapped[str] = mapped_column(
        enum_column(*ELIGIBILITY_RULES, name="benefit_eligibility"),
        default="everyone",
        server_default="everyone",
    )
    min_completed: Mapped[int | None]

    claims: Mapped[list[Claim]] = relationship(back_populates="benefit")
    allowed: Mapped[list[BenefitAllowedAdvocate]] = relationship(
        cascade="all, delete-orphan", back_populates="benefit"
    )


class BenefitAllowedAdvocate(db.Model):
    """One advocate on a benefit's chosen list (eligibility "chosen")."""

    __tablename__ = "benefit_allowed_advocates"

    benefit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("benefits.id", ondelete="CASCADE"), primary_key=True
    )
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), primary_key=True
    )

    benefit: Mapped[Benefit] = relationship(back_populates="allowed")


class Claim(TimestampMixin, db.Model):
    __tablename__ = "claims"
    __table_args__ = (sa.Index("ix_claims_benefit_status", "benefit_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(sa.ForeignKey("benefits.id", ondelete="RESTRICT"))
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(
        enum_column(*CLAIM_STATUSES, name="claim_status"), default="requested"
    )
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decision_note: Mapped[str | None] = mapped_column(sa.String(2000))

    benefit: Mapped[Benefit] = relationship(back_populates="claims")
    advocate: Mapped[Advocate] = relationship()  # noqa: F821


class LedgerEntry(db.Model):
    """One append-only movement of points; a balance is the sum of an advocate's entries."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.Index("ix_ledger_entries_advocate_created", "advocate_id", "created_at"),
        # Reports sum points by reason over a date range from this index alone.
        sa.Index("ix_ledger_entries_created_reason", "created_at", "reason", "delta"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("advocates.id", ondelete="RESTRICT"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(enum_column(*LEDGER_REASONS, name="ledger_reason"))
    ask_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asks.id", ondelete="RESTRICT"))
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id", ondelete="RESTRICT"))
    memo: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    advocate: Mapped[Advocate] = relationship()  # noqa: F821
