"""Reference requests and the asks placed to advocates for them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import (
    ACTIVITY_TYPES,
    ASK_STATUSES,
    DECLINE_REASONS,
    OPPORTUNITY_OUTCOMES,
    REQUEST_STATUSES,
)


class ReferenceRequest(TimestampMixin, db.Model):
    """A requester's need for references (not named Request: Flask's request is everywhere)."""

    __tablename__ = "reference_requests"
    __table_args__ = (
        sa.CheckConstraint("advocates_needed BETWEEN 1 AND 20", name="advocates_needed_range"),
        sa.CheckConstraint(
            "opportunity_amount IS NULL OR opportunity_amount >= 0", name="amount_not_negative"
        ),
        sa.Index("ix_reference_requests_status_needed_by", "status", "needed_by"),
        # The request lists, newest first (everyone's for the team and the API, a requester's
        # own): read in that order from an index, not sorted per page.
        sa.Index("ix_reference_requests_created", "created_at", "id"),
        sa.Index("ix_reference_requests_requester_created", "requester_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    activity_type: Mapped[str] = mapped_column(enum_column(*ACTIVITY_TYPES, name="activity_type"))
    # The deal it supports (portal.opportunities); the opportunity_* fields mirror it.
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="SET NULL"), index=True
    )
    opportunity_name: Mapped[str | None] = mapped_column(sa.String(200))
    opportunity_crm_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    opportunity_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    opportunity_stage: Mapped[str | None] = mapped_column(sa.String(64))
    opportunity_close_date: Mapped[dt.date | None]
    opportunity_outcome: Mapped[str] = mapped_column(
        enum_column(*OPPORTUNITY_OUTCOMES, name="opportunity_outcome"), default="open"
    )
    prospect_company: Mapped[str | None] = mapped_column(sa.String(200))
    criteria: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    needed_by: Mapped[dt.date]
    advocates_needed: Mapped[int] = mapped_column(default=1)
    context: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(
        enum_column(*REQUEST_STATUSES, name="request_status"), default="submitted"
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)  # why rejected or cancelled
    # Lead time (portal.asks.lead_time): the working days of notice given when it was filed (or
    # when its date or activity last changed), and whether it was accepted inside the activity
    # type's lead time as a rush, with the requester's reason.
    notice_days: Mapped[int | None]
    rush: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rush_reason: Mapped[str | None] = mapped_column(sa.String(500))

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])  # noqa: F821
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])  # noqa: F821
    asks: Mapped[list[Ask]] = relationship(back_populates="request", order_by="Ask.asked_at")
    opportunity: Mapped[Opportunity | None] = relationship(  # noqa: F821
        back_populates="requests"
    )
    comments: Mapped[list[RequestComment]] = relationship(
        back_populates="request", order_by="RequestComment.created_at"
    )


class RequestComment(db.Model):
    """A message in a request's thread (a manager's question, the requester's answer)."""

    __tablename__ = "request_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    request: Mapped[ReferenceRequest] = relationship(back_populates="comments")
    # Shown beside every comment: loaded with it (a thread of many authors is one statement).
    author: Mapped[User | None] = relationship(lazy="joined")  # noqa: F821


class Ask(TimestampMixin, db.Model):
    """One request placed to one advocate."""

    __tablename__ = "asks"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "advocate_id", name="uq_asks_request_advocate"),
        sa.CheckConstraint(
            "requester_rating IS NULL OR requester_rating BETWEEN 1 AND 5", name="rating_range"
        ),
        # Overuse and fairness count an advocate's asks by status and time.
        sa.Index("ix_asks_advocate_status_asked_at", "advocate_id", "status", "asked_at"),
        sa.Index("ix_asks_status_respond_by", "status", "respond_by"),
        # The value exchange report counts completed asks (and their givers) by completion.
        sa.Index(
            "ix_asks_completed_at",
            "completed_at",
            "advocate_id",
            postgresql_where=sa.text("status = 'completed'"),
            sqlite_where=sa.text("status = 'completed'"),
        ),
        # Planning counts every advocate's live asks in its months, quarters and years.
        sa.Index("ix_asks_status_asked_at", "status", "asked_at", "advocate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="RESTRICT")
    )
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("advocates.id", ondelete="RESTRICT"))
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(
        enum_column(*ASK_STATUSES, name="ask_status"), default="pending"
    )
    asked_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    respond_by: Mapped[dt.datetime]
    responded_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(
        enum_column(*DECLINE_REASONS, name="decline_reason")
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    personal_note: Mapped[str | None] = mapped_column(sa.Text)  # from whoever placed the ask
    proposed_times: Mapped[str | None] = mapped_column(sa.String(500))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    completed_at: Mapped[dt.datetime | None]
    requester_rating: Mapped[int | None]
    requester_feedback: Mapped[str | None] = mapped_column(sa.Text)
    advocate_feedback: Mapped[str | None] = mapped_column(sa.Text)
    # While in the future the account's CSM may veto the ask; the advocate neither sees nor
    # hears of it until then (program setting csm_veto_hours).
    held_until: Mapped[dt.datetime | None]

    def is_held(self, at: dt.datetime | None = None) -> bool:
        """Whether the CSM's veto window is still open (the advocate can't see the ask yet)."""
        return self.held_until is not None and self.held_until > (at or now_utc())

    @classmethod
    def not_held(cls, at: dt.datetime | None = None):
        """SQL: the asks the advocate may see (no CSM veto window open at `at`)."""
        return sa.or_(cls.held_until.is_(None), cls.held_until <= (at or now_utc()))

    request: Mapped[ReferenceRequest] = relationship(back_populates="asks")
    advocate: Mapped[Advocate] = relationship()  # noqa: F821
    placed_by: Mapped[User | None] = relationship()  # noqa: F821


class AdvocateEligibility(db.Model):
    """Per advocate, what matching needs without counting asks: kept current by a flush hook.

    `askable_from` is the first instant every time-bound rule of the overuse service passes
    (null: now); `blocked_from`/`blocked_until` the next blackout ahead. The 90-day and 12-month
    counts feed fairness; only their rolling edge needs the scheduled refresh.

    The criteria relevance compares are here in a compact form, so a match reads this one
    narrow table: the single-valued facts as they are, the multi-valued ones as `|a|b|` (each
    value framed by bars, so `LIKE '%|a|%'` finds exactly it, on every database) and as a bit
    mask (`eligibility_row.value_bit`: a term's id picks its bit), which answers most rows without
    reading the text.

    The live asks in the calendar month, quarter and year of `counted_on` (the advocate's own
    day when the row was computed), the latest live ask, and the whole account's live asks in
    that month and quarter are kept too: the "asks left" of a match and the near misses'
    reasons read them instead of counting (a later window has none yet; null `counted_on`: not
    known, count).
    """

    __tablename__ = "advocate_eligibility"
    __table_args__ = (sa.Index("ix_advocate_eligibility_active_fairness", "active", "fairness"),)

    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(default=False)  # advocate and account both active
    status: Mapped[str] = mapped_column(sa.String(16), default="")  # the advocate's
    # Opted-in activity types, one bit each in vocab.ACTIVITY_TYPES order (a fixed list).
    activity_bits: Mapped[int] = mapped_column(default=0)
    askable_from: Mapped[dt.datetime | None]
    blocked_from: Mapped[dt.datetime | None]
    blocked_until: Mapped[dt.datetime | None]
    account_key: Mapped[str] = mapped_column(sa.String(200), default="")  # casefolded name
    asks_90d: Mapped[int] = mapped_column(default=0)
    asks_12m: Mapped[int] = mapped_column(default=0)
    last_asked_at: Mapped[dt.datetime | None]
    fairness: Mapped[int] = mapped_column(default=0)  # tenths of a score point
    # Account health, NPS and past-call ratings, in tenths (see eligibility_row.standing_parts).
    standing: Mapped[int] = mapped_column(default=0, server_default="0")
    industry: Mapped[str | None] = mapped_column(sa.String(64))
    region: Mapped[str | None] = mapped_column(sa.String(16))
    segment: Mapped[str | None] = mapped_column(sa.String(16))
    seniority: Mapped[str | None] = mapped_column(sa.String(16))
    products: Mapped[str] = mapped_column(sa.Text, default="")
    use_cases: Mapped[str] = mapped_column(sa.Text, default="")
    languages: Mapped[str] = mapped_column(sa.Text, default="")
    product_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    use_case_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    language_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    counted_on: Mapped[dt.date | None]
    used_month: Mapped[int] = mapped_column(default=0, server_default="0")
    used_quarter: Mapped[int] = mapped_column(default=0, server_default="0")
    used_year: Mapped[int] = mapped_column(default=0, server_default="0")
    last_live_at: Mapped[dt.datetime | None]
    account_used_month: Mapped[int] = mapped_column(default=0, server_default="0")
    account_used_quarter: Mapped[int] = mapped_column(default=0, server_default="0")
    # Choice custom fields of the advocate and their account, as `|key=value|...`.
    crit_custom: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


SINGLE_VALUED = ("industry", "region", "segment", "seniority")  # criteria matching indexes


class MatchRow(db.Model):
    """The narrow part of each advocate's eligibility row that matching scans, kept equal to it.

    Ranking reads every askable advocate's row: its cost follows the width of what it reads, and
    the eligibility row is wide (framed criteria text, window counts, the reasons' facts). This
    table holds only the hard rules' columns, the criteria's single values and bit masks, and
    fairness and standing (half the bytes per advocate). Every writer of `advocate_eligibility`
    (all in `portal.asks.eligibility`) writes the same values here in the same transaction; a
    match reads the wide row only for the criteria a mask can't answer (shared bits, custom
    fields) and for the few advocates it shows.
    """

    __tablename__ = "match_rows"
    __table_args__ = (
        sa.Index("ix_match_rows_points", "points"),
        # The single-valued criteria: a ranking's second read finds below the best-standing
        # advocates only those sharing the kinds no one can miss (`ranking.ranked`).
        *(sa.Index(f"ix_match_rows_{kind}", kind) for kind in SINGLE_VALUED),
    )

    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="")
    activity_bits: Mapped[int] = mapped_column(default=0)
    askable_from: Mapped[dt.datetime | None]
    blocked_from: Mapped[dt.datetime | None]
    blocked_until: Mapped[dt.datetime | None]
    account_key: Mapped[str] = mapped_column(sa.String(200), default="")
    fairness: Mapped[int] = mapped_column(default=0)
    standing: Mapped[int] = mapped_column(default=0)
    # fairness + standing: the score without relevance, indexed so a ranking can read the
    # advocates with the most points first (see `ranking.ranked`).
    points: Mapped[int] = mapped_column(default=0)
    industry: Mapped[str | None] = mapped_column(sa.String(64))
    region: Mapped[str | None] = mapped_column(sa.String(16))
    segment: Mapped[str | None] = mapped_column(sa.String(16))
    seniority: Mapped[str | None] = mapped_column(sa.String(16))
    product_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    use_case_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    language_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0)
