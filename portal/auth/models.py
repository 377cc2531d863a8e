"""Users, API tokens and single-use link tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import TimestampMixin, enum_column, now_utc
from portal.extensions import db
from portal.vocab import ROLES, TEAMS, TOKEN_SCOPES

_hasher = PasswordHasher()
# A hash verified when the user does not exist, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(enum_column(*ROLES, name="role"), index=True)
    team: Mapped[str | None] = mapped_column(enum_column(*TEAMS, name="team"))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[dt.datetime | None]
    # Two-step sign-in (portal/auth/mfa.py): the TOTP secret once enrolment is confirmed, and the
    # last time step a code was accepted for, so one code can't be used twice.
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(64))
    mfa_enabled_at: Mapped[dt.datetime | None]
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    advocate: Mapped[Advocate | None] = relationship(  # noqa: F821
        back_populates="user", foreign_keys="Advocate.user_id"
    )
    # Read-only here: `SsoIdentity.user` writes the link.
    sso_identities: Mapped[list[SsoIdentity]] = relationship(viewonly=True)  # noqa: F821

    # The plain key of the browser session this user object was loaded or signed in with.
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_secret is not None

    def get_id(self) -> str:
        """What the session and the remember cookie carry: the user and their session's key, so
        a signed-out or revoked session's cookies load nobody (portal/auth/session.py)."""
        return f"{self.id}:{self.session_key or ''}"

    @property
    def awaiting_first_sign_in(self) -> bool:
        """Invited and not in yet: an active account with no password that never signed in and
        is not linked to single sign-on. (People who sign in with single sign-on or an e-mail
        link have no password either: what tells them apart is that they did sign in.)"""
        return (
            self.active
            and self.password_hash is None
            and self.last_sign_in_at is None
            and not self.sso_identities
        )

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            _verify_dummy(password)
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def _verify_dummy(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def spend_password_check_time(password: str) -> None:
    """Verify against a dummy hash: an unknown e-mail answers as slowly as a wrong password."""
    _verify_dummy(password)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    scope: Mapped[str] = mapped_column(enum_column(*TOKEN_SCOPES, name="token_scope"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def is_usable(self, at: dt.datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > at


class LinkToken(db.Model):
    """The server-side record of a signed e-mail link, so each link works once."""

    __tablename__ = "link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(43), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The record the link acts on (an ask for one-click answers), when it is not the user.
    target_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User | None] = relationship()


class UserSession(db.Model):
    """One signed-in browser: its key (only the SHA-256 is stored) lives in the session cookie
    and the remember cookie. Signing out, or revoking, ends it on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    method: Mapped[str] = mapped_column(sa.String(16))  # password, mfa, sso, link
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))

    user: Mapped[User] = relationship()


class MfaRecoveryCode(db.Model):
    """A single-use recovery code for two-step sign-in; only its SHA-256 is stored."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    used_at: Mapped[dt.datetime | None]
