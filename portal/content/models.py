"""Customer content assets, their searchable tags, and their logged uses."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, UTCDateTime, enum_column, now_utc
from portal.extensions import db
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS

USE_ACTIONS = ("open_link", "copy_link", "download")


class ContentAsset(TimestampMixin, db.Model):
    __tablename__ = "content_assets"
    __table_args__ = (
        sa.Index("ix_content_assets_approval", "approval_status", "approved_until"),
        sa.CheckConstraint("use_limit IS NULL OR use_limit >= 1", name="use_limit_positive"),
    )

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
    regions: Mapped[list[str] | None] = mapped_column(sa.JSON, default=list)
    approval_status: Mapped[str] = mapped_column(
        enum_column(*APPROVAL_STATUSES, name="approval_status"), default="draft"
    )
    approved_until: Mapped[dt.date | None]
    # Who approved on the customer's side, and when (set when the status becomes approved).
    approved_on: Mapped[dt.date | None]
    approved_by_customer: Mapped[str | None] = mapped_column(sa.String(200))
    use_limit: Mapped[int | None]  # the customer allowed only so many uses; null: no limit
    # An uploaded file: stored under a generated name; the original name is only shown.
    file_key: Mapped[str | None] = mapped_column(sa.String(80))
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_type: Mapped[str | None] = mapped_column(sa.String(64))
    file_size: Mapped[int | None]
    # Lower-case title, summary and tag words: what full-text search looks in.
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    expiry_warned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    account: Mapped[Account | None] = relationship()  # noqa: F821
    advocate: Mapped[Advocate | None] = relationship()  # noqa: F821


class ContentTag(db.Model):
    """One facet value of an asset (kind, value): stage, industry, product, use case, region."""

    __tablename__ = "content_tags"
    __table_args__ = (sa.Index("ix_content_tags_asset_id", "asset_id"),)

    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("content_assets.id", ondelete="CASCADE"), primary_key=True
    )


class ContentUse(db.Model):
    __tablename__ = "content_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("content_assets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    opportunity_crm_id: Mapped[str | None] = mapped_column(sa.String(64))
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reference_requests.id", ondelete="SET NULL")
    )
    action: Mapped[str | None] = mapped_column(sa.String(16))
    used_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    user: Mapped[User | None] = relationship()  # noqa: F821
