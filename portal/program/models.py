"""Program settings and the managed taxonomy."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import TimestampMixin, enum_column
from portal.extensions import db


class ProgramSetting(TimestampMixin, db.Model):
    """One program setting; unset keys fall back to program.service.DEFAULTS."""

    __tablename__ = "program_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[dict | list | int | str | None] = mapped_column(sa.JSON)


class TaxonomyKind(db.Model):
    """A list people pick from: the built-in ones (industry, product, ...; region and seniority
    are label-only, their keys being fixed) and those an administrator adds."""

    __tablename__ = "taxonomy_kinds"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    builtin: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class TaxonomyTerm(db.Model):
    """A value people pick from: an industry, product, use case, language, region label...

    A term with members (terms whose group_id is its id) is a group: requesters may pick it,
    and matching reads it as any of its members. A merged term is retired and names the term
    that took its place (merged_into_id)."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (sa.UniqueConstraint("kind", "value", name="uq_taxonomy_terms_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        sa.String(40), sa.ForeignKey("taxonomy_kinds.key", ondelete="RESTRICT")
    )
    value: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL")
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL")
    )


class CustomField(TimestampMixin, db.Model):
    """A field administrators add to accounts or advocates (portal.program.custom_fields).

    Values live on the record (`custom_fields`: key -> value); a choice field's options are the
    active terms of its taxonomy kind. A retired field leaves forms, its stored values stay."""

    __tablename__ = "custom_fields"
    __table_args__ = (
        sa.UniqueConstraint("entity", "key", name="uq_custom_fields_entity_key"),
        sa.CheckConstraint(
            "type = 'choice' OR (taxonomy_kind IS NULL AND NOT multiple AND NOT match_criterion)",
            name="choice_options",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(enum_column("account", "advocate", name="custom_entity"))
    key: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[str] = mapped_column(
        enum_column("text", "number", "choice", "date", name="custom_field_type")
    )
    taxonomy_kind: Mapped[str | None] = mapped_column(
        sa.String(40), sa.ForeignKey("taxonomy_kinds.key", ondelete="RESTRICT")
    )
    multiple: Mapped[bool] = mapped_column(default=False)
    required: Mapped[bool] = mapped_column(default=False)
    match_criterion: Mapped[bool] = mapped_column(default=False)
    show_in_list: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
