"""An activity (ask) shared with another request: one interview serving several teams."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import now_utc
from portal.extensions import db


class AskShare(db.Model):
    """An ask that also serves `request_id`: never a new ask, the advocate's limits untouched."""

    __tablename__ = "ask_shares"
    __table_args__ = (
        sa.UniqueConstraint("ask_id", "request_id", name="uq_ask_shares_ask_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(sa.ForeignKey("asks.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="CASCADE"), index=True
    )
    added_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    ask: Mapped[Ask] = relationship()  # noqa: F821
    request: Mapped[ReferenceRequest] = relationship()  # noqa: F821
    adder: Mapped[User | None] = relationship(foreign_keys=[added_by])  # noqa: F821
