"""Program settings and the managed taxonomy."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import TimestampMixin, enum_column
from portal.extensions import db
from portal.vocab import TAXONOMY_KINDS


class ProgramSetting(TimestampMixin, db.Model):
    """One program setting; unset keys fall back to program.service.DEFAULTS."""

    __tablename__ = "program_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[dict | list | int | str | None] = mapped_column(sa.JSON)


class TaxonomyTerm(db.Model):
    """A value people pick from: an industry, product, use case or language."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (sa.UniqueConstraint("kind", "value", name="uq_taxonomy_terms_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*TAXONOMY_KINDS, name="taxonomy_kind"))
    value: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
