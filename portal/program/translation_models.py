"""Translations of program-written texts (terms, ask templates, benefit descriptions)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import enum_column, now_utc
from portal.extensions import db

# What a translation translates, and what its key names: a TermsVersion id, an activity type,
# a Benefit id (as text, so one column holds them all).
TRANSLATION_KINDS = ("terms", "ask_template", "benefit_description")


class TextTranslation(db.Model):
    """One program text in one language other than English (the program's own text)."""

    __tablename__ = "text_translations"
    __table_args__ = (
        sa.UniqueConstraint("kind", "key", "locale", name="uq_text_translations_kind_key_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*TRANSLATION_KINDS, name="translation_kind"))
    key: Mapped[str] = mapped_column(sa.String(64))
    locale: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
