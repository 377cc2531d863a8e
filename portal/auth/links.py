"""Signed, expiring, single-use links (password reset, invitation, one-click answers).

The URL carries a payload signed with the secret key; the database keeps the link's id, so a
link works once and can be refused when expired even if the signature is still valid.

A live link is never stored in message text. `issue_link_token` returns a stand-in
(`plink-<random>`) that only the transaction which issued it knows; `queue_email` records the
stand-ins its text carries in the message's `meta`, and delivery alone swaps each for the signed
token (`fill_link_refs`). So the outbox holds no link anyone could follow: a message shown to the
program team, or left in the table after it went out, carries only the stand-in
(`hide_link_refs` words it for people), and a stand-in copied into another message's text is not
filled, since that message's transaction never issued it.
"""

from __future__ import annotations

import datetime as dt
import re
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


_REF = re.compile(r"plink-([0-9a-f]{32})")
HIDDEN = "[personal link, hidden]"


def _issued() -> dict[str, LinkToken]:
    """The stand-ins this session issued, by their random part (never stored anywhere)."""
    return db.session.info.setdefault("portal_link_refs", {})


def issue_link_token(
    user: User | None, purpose: str, max_age: int, target_id: int | None = None
) -> str:
    """Record a new link for `user` (and the record it acts on) and return its stand-in for an
    e-mail: the URL is built with it, and delivery puts the signed token in its place."""
    row = LinkToken(
        jti=secrets.token_urlsafe(32),
        purpose=purpose,
        user_id=user.id if user is not None else None,
        target_id=target_id,
        expires_at=now_utc() + dt.timedelta(seconds=max_age),
    )
    db.session.add(row)
    ref = secrets.token_hex(16)
    _issued()[ref] = row
    return f"plink-{ref}"


def sign_link(row: LinkToken) -> str:
    """The signed token of a recorded link: what its URL carries."""
    payload = {"jti": row.jti, "uid": row.user_id, "tid": row.target_id}
    return _serializer(row.purpose).dumps(payload)


def link_refs_in(*texts: str | None) -> dict[str, str]:
    """{stand-in: link jti} for the stand-ins in `texts` that this transaction issued. (The jti
    alone makes no link: that needs the secret key. Nothing is flushed, so writing many
    messages costs no statement per message.)"""
    issued = _issued()
    return {
        ref: issued[ref].jti for text in texts for ref in _REF.findall(text or "") if ref in issued
    }


def fill_link_refs(
    text: str | None, refs: dict[str, str] | None, *, signed: dict[str, str] | None = None
) -> str | None:
    """`text` with each stand-in of `refs` replaced by its signed token, for delivery only.
    Stand-ins not in `refs` are hidden, never filled. `signed` ({jti: token}, filled as it
    goes) gives every part of one message the same token for a link: a signature carries the
    second it was made, so two parts signed a second apart would show two different URLs."""
    if not text or not refs:
        return hide_link_refs(text)
    signed = {} if signed is None else signed
    wanted = [jti for jti in refs.values() if jti not in signed]
    rows = {
        row.jti: row
        for row in (
            db.session.scalars(sa.select(LinkToken).where(LinkToken.jti.in_(wanted)))
            if wanted
            else []
        )
    }

    def fill(match: re.Match) -> str:
        jti = refs.get(match.group(1))
        if jti not in signed:
            row = rows.get(jti)
            if row is None:
                return HIDDEN
            signed[jti] = sign_link(row)
        return signed[jti]

    return _REF.sub(fill, text)


def hide_link_refs(text: str | None) -> str | None:
    """`text` as people may read it: every link stand-in worded as hidden."""
    return _REF.sub(HIDDEN, text) if text else text


def reveal_issued(text: str) -> str:
    """`text` with the stand-ins this transaction issued filled: for the command line, whose
    operator asked for the link themselves (create-user prints an invitation link)."""
    return fill_link_refs(text, link_refs_in(text))


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
