"""What the program already told each advocate, and which deals may tell advocates their outcome."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import enum_column, now_utc
from portal.extensions import db

THANKS_KINDS = ("thank_you", "outcome", "benefit_open")


class AdvocateThanks(db.Model):
    """One message of thanks or news sent to one advocate. `key` is unique, so a repeated
    completion, a deal won twice or a benefit opened again never tells anyone twice."""

    __tablename__ = "advocate_thanks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(enum_column(*THANKS_KINDS, name="thanks_kind"))
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    ask_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asks.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE")
    )
    benefit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("benefits.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


class DealOutcomeShare(db.Model):
    """The manager's switch on a deal: tell its advocates what their help achieved."""

    __tablename__ = "deal_outcome_shares"

    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    share: Mapped[bool] = mapped_column(default=False)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
