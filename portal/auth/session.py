"""Server-side sign-in sessions and Flask-Login's user loader.

Flask keeps its session in a signed cookie, so a copied cookie would keep working after sign-out.
Each sign-in therefore starts a `UserSession` row; its random key goes into the session and the
remember cookie (`User.get_id()` is "<user id>:<key>"), and the loader accepts a cookie only while
its row is live: not revoked, not idle longer than PORTAL_SESSION_IDLE_MINUTES, not older than
PORTAL_SESSION_MAX_HOURS (an advocate's "keep me signed in" lasts REMEMBER_COOKIE_DURATION).
Sign-out revokes the row; a password change or reset, a role change or deactivation and "sign
out everywhere" revoke every row of the user. One indexed lookup per request (session and user
in one statement, with what every page's layout shows: see `portal.layout`); the last-seen time
is written at most once a minute.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_login import login_user

from portal import layout
from portal.audit import service as audit
from portal.auth.models import User, UserSession, hash_token
from portal.database import now_utc
from portal.errors import get_or_not_found
from portal.extensions import db

TOUCH_EVERY = dt.timedelta(minutes=1)


def _limits(user: User, row: UserSession) -> tuple[dt.timedelta | None, dt.timedelta]:
    """(idle limit or None, absolute limit) of a session."""
    config = current_app.config
    if row.remember and user.role == "advocate":
        return None, config["REMEMBER_COOKIE_DURATION"]
    return (
        dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        dt.timedelta(hours=config["SESSION_MAX_HOURS"]),
    )


def is_live(row: UserSession, user: User, at: dt.datetime) -> bool:
    if row.revoked_at is not None or not user.active:
        return False
    idle, absolute = _limits(user, row)
    if at - row.created_at > absolute:
        return False
    return idle is None or at - row.last_seen_at <= idle


def start_session(user: User, method: str, *, remember: bool = False) -> UserSession:
    """Record a new session for `user` and sign this browser in with it."""
    key = secrets.token_urlsafe(32)
    agent = request.user_agent.string[:200] if has_request_context() else None
    row = UserSession(
        user_id=user.id,
        key_hash=hash_token(key),
        method=method,
        remember=remember,
        user_agent=agent or None,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    db.session.flush()
    user.session_key = key
    duration = None
    if remember and user.role != "advocate":
        # Staff sessions end after SESSION_MAX_HOURS whatever the cookie says.
        duration = dt.timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    login_user(user, remember=remember, duration=duration)
    return row


def current_session(user: User) -> UserSession | None:
    """The live session row `user` was loaded with in this request, if any."""
    if not user.session_key:
        return None
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.key_hash == hash_token(user.session_key))
    )


def end_session(user: User) -> None:
    """Sign-out: revoke this browser's session (its cookies load nobody from now on)."""
    row = current_session(user)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now_utc()
        row.revoked_reason = "signed_out"
    audit.record(user, "user.signed_out", user, {"session_id": row.id if row else None})


def revoke_sessions(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """Revoke every live session of `user` (but `keep`); return how many ended."""
    query = (
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query).rowcount


def sign_out_everywhere(user: User) -> int:
    """Revoke every session of `user`, this browser's too."""
    ended = revoke_sessions(user, "signed_out_everywhere")
    audit.record(user, "user.signed_out_everywhere", user, {"sessions": ended})
    return ended


def revoke_session(actor: User, session_id: int) -> UserSession:
    """Revoke one of the actor's own sessions (another browser or device)."""
    row = get_or_not_found(
        UserSession, session_id, "No such session.", lambda row: row.user_id == actor.id
    )
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        row.revoked_reason = "revoked"
        audit.record(actor, "user.session_revoked", actor, {"session_id": row.id})
    return row


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that still work, most recently used first."""
    now = now_utc()
    rows = db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if is_live(row, user, now)]


def load_user(identity: str) -> User | None:
    """The user of a live session; None for a signed-out, revoked, expired or old-style cookie."""
    user_id, _, key = (identity or "").partition(":")
    if not key or not user_id.isdigit():
        return None
    found = db.session.execute(
        _session_statement(), {"key_hash": hash_token(key), "user_id": int(user_id)}
    ).first()
    if found is None:
        return None
    row, user, *facts = found
    now = now_utc()
    if not is_live(row, user, now):
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        _touch(row.id, now)
    user.session_key = key
    layout.remember(user, *facts)
    return user


@functools.cache
def _session_statement() -> sa.Select:
    """`load_user`'s statement, built once (every page runs it; building it costs more than
    running it): the session by its key's hash and user id, the user, the layout's facts."""
    return (
        sa.select(UserSession, User, *layout.columns(User.id))
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.key_hash == sa.bindparam("key_hash"),
            UserSession.user_id == sa.bindparam("user_id"),
        )
    )


def _touch(session_id: int, at: dt.datetime) -> None:
    """Note the session's use in a transaction of its own: most pages commit nothing."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=at)
        )
