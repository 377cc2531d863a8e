"""Customer accounts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column
from portal.extensions import db
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS


class Account(TimestampMixin, db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_not_negative"),
        sa.CheckConstraint("arr IS NULL OR arr >= 0", name="arr_not_negative"),
        sa.Index("ix_accounts_match", "status", "industry", "region", "segment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    domain: Mapped[str | None] = mapped_column(sa.String(253))
    industry: Mapped[str] = mapped_column(sa.String(64), index=True)
    segment: Mapped[str] = mapped_column(enum_column(*SEGMENTS, name="segment"))
    region: Mapped[str] = mapped_column(enum_column(*REGIONS, name="region"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    employees: Mapped[int | None]
    arr: Mapped[int | None] = mapped_column(sa.BigInteger)
    crm_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    csm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(
        enum_column(*ACCOUNT_STATUSES, name="account_status"), default="candidate"
    )
    products: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Administrators' own fields: key -> value (portal.program.custom_fields).
    custom_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")

    csm: Mapped[User | None] = relationship()  # noqa: F821
    advocates: Mapped[list[Advocate]] = relationship(back_populates="account")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Account {self.name}>"
