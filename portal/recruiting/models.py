"""Recruiting: referenceability of accounts, invitations, touchpoints, program targets and
suggested candidates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import (
    ACTIVITY_TYPES,
    REFERENCEABILITY,
    REGIONS,
    RELATIONSHIP_HEALTH,
    SEGMENTS,
    TOUCHPOINT_KINDS,
)


class Touchpoint(db.Model):
    __tablename__ = "touchpoints"
    __table_args__ = (sa.Index("ix_touchpoints_follow_up", "follow_up_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(enum_column(*TOUCHPOINT_KINDS, name="touchpoint_kind"))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    summary: Mapped[str] = mapped_column(sa.Text)
    follow_up_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The follow-up is done (or dropped): it leaves the "follow-ups due" list.
    follow_up_done_at: Mapped[dt.datetime | None]

    advocate: Mapped[Advocate] = relationship()  # noqa: F821
    # Shown beside every touchpoint: loaded with it (one statement however many people logged).
    created_by: Mapped[User | None] = relationship(lazy="joined")  # noqa: F821


class Target(TimestampMixin, db.Model):
    """A program goal: so many active advocates matching a segment by a date."""

    __tablename__ = "targets"
    __table_args__ = (sa.CheckConstraint("target_count >= 1", name="target_count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    industry: Mapped[str | None] = mapped_column(sa.String(64))
    product: Mapped[str | None] = mapped_column(sa.String(64))
    region: Mapped[str | None] = mapped_column(enum_column(*REGIONS, name="region"))
    segment: Mapped[str | None] = mapped_column(enum_column(*SEGMENTS, name="segment"))
    activity_type: Mapped[str | None] = mapped_column(
        enum_column(*ACTIVITY_TYPES, name="activity_type")
    )
    target_count: Mapped[int]
    due_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class Referenceability(TimestampMixin, db.Model):
    """Customer success's word on an account: may we ask it for references, and how is it?"""

    __tablename__ = "referenceability"
    __table_args__ = (
        sa.CheckConstraint("nps IS NULL OR nps BETWEEN -100 AND 100", name="nps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(
        enum_column(*REFERENCEABILITY, name="referenceability_status")
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)
    health: Mapped[str | None] = mapped_column(
        enum_column(*RELATIONSHIP_HEALTH, name="relationship_health")
    )
    nps: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    account: Mapped[Account] = relationship()  # noqa: F821
    updated_by: Mapped[User | None] = relationship()  # noqa: F821


class Invitation(db.Model):
    """An invitation to join the program, sent to a nominated advocate; reminded at most twice."""

    __tablename__ = "advocate_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    sent_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_sent_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    accepted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    advocate: Mapped[Advocate] = relationship()  # noqa: F821
    invited_by: Mapped[User | None] = relationship()  # noqa: F821


class ImportPreview(db.Model):
    """A checked CSV file waiting for the manager's confirmation.

    Kept in the database, not on an app server's disk, so the confirmation may reach any app
    server; taken (and deleted) by the import it confirms, forgotten after a day otherwise.
    """

    __tablename__ = "import_previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # accounts, advocates or opp:<preset>
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)


SUGGESTION_KINDS = ("won_deal", "nps", "health")
SUGGESTION_STATUSES = ("suggested", "nominated", "dismissed")


class CandidateSuggestion(db.Model):
    """A customer the program might recruit, and why: a deal closed won, or an account whose NPS
    or health crossed the threshold (`portal.recruiting.suggestions`). Suggested once per kind
    and deal, and once per kind and account; customer success nominates or dismisses it."""

    __tablename__ = "candidate_suggestions"
    __table_args__ = (
        sa.UniqueConstraint(
            "kind", "opportunity_id", name="uq_candidate_suggestions_kind_opportunity"
        ),
        sa.UniqueConstraint("kind", "account_id", name="uq_candidate_suggestions_kind_account"),
        sa.Index("ix_candidate_suggestions_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="SET NULL"), index=True
    )
    company: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text)  # the why, as the pipeline shows it
    kind: Mapped[str] = mapped_column(enum_column(*SUGGESTION_KINDS, name="suggestion_kind"))
    status: Mapped[str] = mapped_column(
        enum_column(*SUGGESTION_STATUSES, name="suggestion_status"), default="suggested"
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]
    dismiss_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    account: Mapped[Account | None] = relationship()  # noqa: F821
    opportunity: Mapped[Opportunity | None] = relationship()  # noqa: F821
    decided_by: Mapped[User | None] = relationship()  # noqa: F821
