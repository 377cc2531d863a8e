"""Nominations from everyone: the CSM's objections to a nomination, and self-nominations from
the public page waiting for their e-mail confirmation or the program team's review."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import enum_column, now_utc
from portal.extensions import db

OBJECTION_RESOLUTIONS = ("upheld", "overruled")
# unconfirmed: the e-mail link not yet followed; to_review: confirmed, no account by its domain;
# attached: an advocate was made of it; discarded: the program team said no; duplicate: the
# e-mail already belonged to an advocate (no second one is made).
SELF_NOMINATION_STATUSES = ("unconfirmed", "to_review", "attached", "discarded", "duplicate")


class NominationObjection(db.Model):
    """The account CSM's objection to a nomination: it holds the invitation until the program
    team upholds it (the advocate is declined) or overrules it."""

    __tablename__ = "nomination_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="CASCADE"), index=True
    )
    objected_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    resolution: Mapped[str | None] = mapped_column(
        enum_column(*OBJECTION_RESOLUTIONS, name="objection_resolution")
    )
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[dt.datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)

    advocate: Mapped[Advocate] = relationship()  # noqa: F821
    objected_by: Mapped[User | None] = relationship(foreign_keys=[objected_by_id])  # noqa: F821
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])  # noqa: F821

    @property
    def standing(self) -> bool:
        return self.resolution is None


class SelfNomination(db.Model):
    """A visitor's nomination of themselves on the public page."""

    __tablename__ = "self_nominations"
    __table_args__ = (sa.Index("ix_self_nominations_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    company: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(120))
    activity_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    consent_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(
        enum_column(*SELF_NOMINATION_STATUSES, name="self_nomination_status"),
        default="unconfirmed",
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    confirmed_at: Mapped[dt.datetime | None]
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="SET NULL")
    )
    advocate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("advocates.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]

    account: Mapped[Account | None] = relationship()  # noqa: F821
    advocate: Mapped[Advocate | None] = relationship()  # noqa: F821
    decided_by: Mapped[User | None] = relationship()  # noqa: F821
