"""Signed, expiring, single-use links (password reset, invitation, one-click answers).

The URL carries a payload signed with the secret key; the database keeps the link's id, so a
link works once and can be refused when expired even if the signature is still valid.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import LinkToken, User
from portal.database import now_utc
from portal.errors import DomainError
from portal.extensions import db


class LinkError(DomainError):
    """A link that can't be used; `reason` is expired, used or invalid."""

    status = 400
    code = "invalid_link"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-link-{purpose}")


def issue_link_token(
    user: User | None, purpose: str, max_age: int, target_id: int | None = None
) -> str:
    """Record a new link for `user` (and the record it acts on) and return its signed token."""
    jti = secrets.token_urlsafe(32)
    user_id = user.id if user is not None else None
    db.session.add(
        LinkToken(
            jti=jti,
            purpose=purpose,
            user_id=user_id,
            target_id=target_id,
            expires_at=now_utc() + dt.timedelta(seconds=max_age),
        )
    )
    return _serializer(purpose).dumps({"jti": jti, "uid": user_id, "tid": target_id})


def peek_link_token(token: str, purpose: str, max_age: int) -> LinkToken:
    """Check a link without using it: raise LinkError when tampered, expired or used."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("expired", "This link has expired.") from exc
    except BadSignature as exc:
        raise LinkError("invalid", "This link is not valid.") from exc
    row = db.session.scalar(
        sa.select(LinkToken).where(
            LinkToken.jti == payload.get("jti"), LinkToken.purpose == purpose
        )
    )
    if row is None or row.user_id != payload.get("uid") or row.target_id != payload.get("tid"):
        raise LinkError("invalid", "This link is not valid.")
    if row.used_at is not None:
        raise LinkError("used", "This link has already been used.")
    if row.expires_at <= now_utc():
        raise LinkError("expired", "This link has expired.")
    if row.user is not None and not row.user.active:
        # A deactivated account stays so: no e-mailed link signs it in or turns it back on.
        raise LinkError("invalid", "This account is deactivated: ask the program team.")
    return row


def use_link_token(token: str, purpose: str, max_age: int) -> LinkToken:
    """Check and spend a link; the conditional UPDATE makes two clicks unable to both use it."""
    row = peek_link_token(token, purpose, max_age)
    spent = db.session.execute(
        sa.update(LinkToken)
        .where(LinkToken.id == row.id, LinkToken.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise LinkError("used", "This link has already been used.")
    return row
