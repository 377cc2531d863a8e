"""The link between a user and their identity at the OpenID Connect provider."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db


class SsoIdentity(db.Model):
    """One (issuer, subject) pair, linked to one user; a user signs in through it from then on."""

    __tablename__ = "sso_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_sso_identities_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(254))
    # True while the user was provisioned without a mapped role and awaits an admin's grant.
    awaiting_role: Mapped[bool] = mapped_column(default=False)
    # The role the provider's groups (or e-mail domain) last granted; None when an admin set it.
    granted_role: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_sign_in_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
