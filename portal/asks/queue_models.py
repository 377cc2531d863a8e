"""A manager's saved filters of a list page (the request queue): a name and the filter set."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import enum_column, now_utc
from portal.extensions import db

SAVED_FILTER_PAGES = ("queue",)


class SavedFilter(db.Model):
    """One named filter set of one user on one page; `query` holds only known filter keys."""

    __tablename__ = "saved_filters"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "page", "name", name="uq_saved_filters_user_page_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    page: Mapped[str] = mapped_column(enum_column(*SAVED_FILTER_PAGES, name="saved_filter_page"))
    name: Mapped[str] = mapped_column(sa.String(60))
    query: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
