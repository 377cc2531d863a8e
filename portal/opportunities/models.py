"""A CRM opportunity (deal), the record that reference requests point to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column
from portal.extensions import db
from portal.vocab import OPPORTUNITY_OUTCOMES, OPPORTUNITY_SOURCES, STAGE_GROUPS


class Opportunity(TimestampMixin, db.Model):
    """One deal, keyed by its CRM id. Many reference requests may support it; their
    `opportunity_*` fields mirror this record (`portal.opportunities.service.mirror`).

    `updated_at` moves only when a field really changes, so `GET /api/v1/opportunities
    ?updated_since=` gives a CRM sync exactly what changed.
    """

    __tablename__ = "opportunities"
    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        # Business value reads closed deals by close date, pipeline reads open ones.
        sa.Index("ix_opportunities_outcome_close_date", "outcome", "close_date"),
        # The list and a CRM sync (`updated_since`) read by the last change, in that order.
        sa.Index("ix_opportunities_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crm_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The company the deal is with, as the CRM names it; `account_id` when that company is
    # one of the program's accounts (matched by the account's CRM id, else its exact name).
    account_name: Mapped[str | None] = mapped_column(sa.String(200))
    account_crm_id: Mapped[str | None] = mapped_column(sa.String(64))
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    stage: Mapped[str | None] = mapped_column(sa.String(64))  # the CRM's own words
    stage_group: Mapped[str | None] = mapped_column(
        enum_column(*STAGE_GROUPS, name="stage_group")
    )  # early, middle or late while open
    close_date: Mapped[dt.date | None]
    opened_on: Mapped[dt.date | None]  # the CRM's created date: cycle length starts here
    outcome: Mapped[str] = mapped_column(
        enum_column(*OPPORTUNITY_OUTCOMES, name="opportunity_outcome"), default="open"
    )
    owner_email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    source: Mapped[str] = mapped_column(
        enum_column(*OPPORTUNITY_SOURCES, name="opportunity_source"), default="request"
    )
    outcome_changed_at: Mapped[dt.datetime | None]

    account: Mapped[Account | None] = relationship()  # noqa: F821
    requests: Mapped[list[ReferenceRequest]] = relationship(  # noqa: F821
        back_populates="opportunity", order_by="ReferenceRequest.id"
    )

    def __repr__(self) -> str:
        return f"<Opportunity {self.crm_id}>"
