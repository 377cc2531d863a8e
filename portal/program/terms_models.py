"""The program terms: versions of the text and who accepted which (see program/terms.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

TERMS_STATUSES = ("draft", "published")


class TermsVersion(TimestampMixin, db.Model):
    """A text of the program terms in Markdown: the one draft an admin edits, or a published
    version (immutable; its label is the terms_version setting while it is current)."""

    __tablename__ = "terms_versions"
    __table_args__ = (
        # At most one draft at a time, also when two admins save at once.
        sa.Index(
            "uq_terms_versions_one_draft",
            "status",
            unique=True,
            postgresql_where=sa.text("status = 'draft'"),
            sqlite_where=sa.text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Given when published; a draft has none yet.
    version: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(enum_column(*TERMS_STATUSES, name="terms_status"))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None]

    author: Mapped[User | None] = relationship(foreign_keys=[created_by])
    publisher: Mapped[User | None] = relationship(foreign_keys=[published_by])


class TermsAcceptance(db.Model):
    """One advocate accepting one terms version: kept for good (a later version adds a row)."""

    __tablename__ = "terms_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: advocates are anonymized, never deleted, and the record of consent stays.
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[str] = mapped_column(sa.String(32), index=True)
    accepted_at: Mapped[dt.datetime]
    # The login that accepted (the advocate's own); null for records older than this table.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
