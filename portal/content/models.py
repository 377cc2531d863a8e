"""Customer content assets and their logged uses."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS


class ContentAsset(TimestampMixin, db.Model):
    __tablename__ = "content_assets"
    __table_args__ = (sa.Index("ix_content_assets_approval", "approval_status", "approved_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*CONTENT_KINDS, name="content_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    advocate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="SET NULL"), index=True
    )
    stages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    industries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    products: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    use_cases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    approval_status: Mapped[str] = mapped_column(
        enum_column(*APPROVAL_STATUSES, name="approval_status"), default="draft"
    )
    approved_until: Mapped[dt.date | None]

    account: Mapped[Account | None] = relationship()  # noqa: F821
    advocate: Mapped[Advocate | None] = relationship()  # noqa: F821


class ContentUse(db.Model):
    __tablename__ = "content_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("content_assets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    opportunity_crm_id: Mapped[str | None] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
