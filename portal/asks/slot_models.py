"""Times offered to meet for an accepted ask (see `portal.asks.slots`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import enum_column, now_utc
from portal.extensions import db

SLOT_PROPOSERS = ("advocate", "requester", "manager")
SLOT_STATUSES = ("offered", "picked", "withdrawn")


class AskSlot(db.Model):
    """One time one side offered for an accepted ask's activity; the other side picks one."""

    __tablename__ = "ask_slots"
    __table_args__ = (sa.Index("ix_ask_slots_ask_id_status", "ask_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(sa.ForeignKey("asks.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime]
    proposed_by: Mapped[str] = mapped_column(enum_column(*SLOT_PROPOSERS, name="slot_proposer"))
    proposer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(
        enum_column(*SLOT_STATUSES, name="slot_status"), default="offered"
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    ask: Mapped[Ask] = relationship()  # noqa: F821
    proposer: Mapped[User | None] = relationship()  # noqa: F821
