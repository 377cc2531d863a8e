"""Users, sign-in, passwords, invitations and API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.links import issue_link_token, peek_link_token, use_link_token
from portal.auth.models import ApiToken, User, hash_token, spend_password_check_time
from portal.auth.permissions import can, demand
from portal.auth.session import revoke_sessions
from portal.database import now_utc
from portal.errors import DomainError, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.notifications.service import program_name, queue_email
from portal.urls import external_url
from portal.vocab import ROLES, TEAMS, TOKEN_SCOPES

RESET = "password-reset"
INVITATION = "invitation"
PASSWORD_MAX_LENGTH = 128


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of the most common passwords (lower case), read once."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password_rules(
    password: str, field: str = "password", *, email: str | None = None, name: str | None = None
) -> None:
    """Refuse a password that is too short or long, among the most common passwords, or the
    account's own e-mail address or name (checked offline, ASVS 2.1.7)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationFailed(f"Use at least {minimum} characters.", field=field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationFailed(f"Use at most {PASSWORD_MAX_LENGTH} characters.", field=field)
    folded = password.strip().casefold()
    if folded in common_passwords():
        raise ValidationFailed(
            "This password is one of the most common ones and easy to guess: choose another.",
            field=field,
        )
    email = normalize_email(email or "")
    own = {email, email.partition("@")[0], (name or "").strip().casefold()} - {""}
    if folded in own or folded.replace(" ", "") in {value.replace(" ", "") for value in own}:
        raise ValidationFailed(
            "Don't use your e-mail address or name as your password.", field=field
        )


def staff_passwords_off() -> bool:
    """Single sign-on is required for staff: they have no local password (advocates still do)."""
    return bool(current_app.config.get("OIDC_ISSUER") and current_app.config.get("SSO_ONLY"))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (and the same time spent).

    Staff are refused with a DomainError when single sign-on is required for them.
    """
    user = find_user(email)
    if user is None:
        spend_password_check_time(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if user.role != "advocate" and staff_passwords_off():
        raise DomainError("Staff sign in with single sign-on: use the button below.")
    return user


def record_sign_in(user: User, method: str = "password") -> None:
    user.last_sign_in_at = now_utc()
    audit.record(user, "user.signed_in", user, {"method": method})


class AttemptedUser:
    """Audits an attempt against an address that has no account: the entity is `users`, no id."""

    __tablename__ = "users"
    id = None


def record_failed_sign_in(email: str, reason: str = "password") -> None:
    """Audit a refused sign-in: the user when the address is known, else only the address.
    The password is never recorded."""
    user = find_user(email)
    data = {"email": normalize_email(email)[:254], "reason": reason}
    audit.record(None, "user.sign_in_failed", user or AttemptedUser(), data)


def record_lockout(email: str, scope: str) -> None:
    """Audit that the sign-in rate limit refused an attempt (`scope`: client or address)."""
    user = find_user(email) if email else None
    data = {"email": normalize_email(email)[:254], "scope": scope}
    audit.record(None, "user.locked_out", user or AttemptedUser(), data)


def change_password(user: User, current: str, new: str) -> None:
    """Change the user's password and end all their sessions (the caller starts a new one)."""
    if not user.check_password(current):
        raise ValidationFailed("That is not your current password.", field="current_password")
    check_password_rules(new, "new_password", email=user.email, name=user.name)
    user.set_password(new)
    ended = revoke_sessions(user, "password_changed")
    audit.record(user, "user.password_changed", user, {"sessions_ended": ended})


def request_password_reset(email: str) -> None:
    """Queue a reset e-mail when the address belongs to an active user; say nothing otherwise."""
    user = find_user(email)
    if user is None or not user.active:
        return
    if user.role != "advocate" and staff_passwords_off():
        return  # staff have no local password to reset when single sign-on is required
    token = issue_link_token(user, RESET, current_app.config["RESET_LINK_MAX_AGE"])
    from flask_babel import lazy_gettext

    queue_email(
        "password_reset",
        user.email,
        lazy_gettext("Reset your password"),
        user=user,
        link=external_url("auth.reset_password", token=token),
        hours=current_app.config["RESET_LINK_MAX_AGE"] // 3600,
    )
    audit.record(None, "user.password_reset_requested", user)


def check_reset_link(token: str) -> User:
    return peek_link_token(token, RESET, current_app.config["RESET_LINK_MAX_AGE"]).user


def _set_password_by_link(token: str, purpose: str, max_age_setting: str, password: str) -> User:
    """Check the link and the new password, then use the link (once) and set the password."""
    max_age = current_app.config[max_age_setting]
    user = peek_link_token(token, purpose, max_age).user
    check_password_rules(password, email=user.email, name=user.name)
    user = use_link_token(token, purpose, max_age).user
    user.set_password(password)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    user = _set_password_by_link(token, RESET, "RESET_LINK_MAX_AGE", password)
    ended = revoke_sessions(user, "password_reset")
    audit.record(user, "user.password_reset", user, {"sessions_ended": ended})
    return user


def users_query(actor, *, q: str = "", role: str | None = None) -> sa.Select:
    """The users an administrator lists, by name: whose name or e-mail address contains `q`
    (any case), of `role` when given, with their single sign-on identities."""
    demand(actor, "users.manage", "Only administrators manage users.")
    query = sa.select(User).options(selectinload(User.sso_identities)).order_by(User.name)
    if q:
        query = query.where(
            sa.or_(
                User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True)
            )
        )
    if role in ROLES:
        query = query.where(User.role == role)
    return query


def create_user(
    actor,
    *,
    email: str,
    role: str,
    name: str | None = None,
    team: str | None = None,
    password: str | None = None,
    invite: bool = True,
) -> User:
    """Create a user; an advocate login is linked to the advocate with the same e-mail."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationFailed("Enter a valid e-mail address.", field="email")
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    if team is not None and team not in TEAMS:
        raise ValidationFailed(f"Team must be one of: {', '.join(TEAMS)}.", field="team")
    if find_user(email) is not None:
        raise DomainError("A user with this e-mail already exists.", field="email")
    advocate = None
    if role == "advocate":
        advocate = db.session.scalar(sa.select(Advocate).where(Advocate.email == email))
        if advocate is None:
            raise ValidationFailed(
                "There is no advocate with this e-mail: add the advocate first.", field="email"
            )
        if advocate.user_id is not None:
            raise DomainError("This advocate already has a login.", field="email")
    if password is not None:
        check_password_rules(
            password, email=email, name=name or (advocate.name if advocate else None)
        )
    user = User(
        email=email,
        role=role,
        team=team,
        name=(name or (advocate.name if advocate else email.split("@")[0])).strip()[:120],
        timezone=advocate.timezone if advocate else "UTC",
    )
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if advocate is not None:
        advocate.user_id = user.id
    audit.record(actor, "user.created", user, {"email": email, "role": role, "team": team})
    if password is None and invite:
        send_invitation(actor, user)
    return user


def send_invitation(actor, user: User) -> str:
    """Queue an invitation e-mail with a link to set a password; return the link."""
    from flask_babel import lazy_gettext

    token = issue_link_token(user, INVITATION, current_app.config["INVITATION_LINK_MAX_AGE"])
    link = external_url("auth.accept_invitation", token=token)
    queue_email(
        "invitation",
        user.email,
        lazy_gettext("You are invited to %(program)s", program=program_name()),
        user=user,
        link=link,
        inviter=actor,
        days=current_app.config["INVITATION_LINK_MAX_AGE"] // 86400,
    )
    audit.record(actor, "user.invited", user)
    return link


def check_invitation_link(token: str) -> User:
    return peek_link_token(token, INVITATION, current_app.config["INVITATION_LINK_MAX_AGE"]).user


def accept_invitation(token: str, password: str) -> User:
    user = _set_password_by_link(token, INVITATION, "INVITATION_LINK_MAX_AGE", password)
    audit.record(user, "user.invitation_accepted", user)
    return user


def update_user(actor, user: User, *, role: str, team: str | None, active: bool) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    if user.id == getattr(actor, "id", None) and (role != user.role or not active):
        raise DomainError("You can't change your own role or deactivate yourself.", field="role")
    if role == "advocate" and user.advocate is None:
        raise ValidationFailed(
            "Only a user linked to an advocate can have that role.", field="role"
        )
    changed = audit.changes(user, {"role": role, "team": team, "active": active})
    if changed:
        audit.record(actor, "user.updated", user, changed)
        if "role" in changed or "active" in changed:
            # New rights (or none) from the next sign-in: every open session of the user ends.
            reason = "deactivated" if "active" in changed and not active else "role_changed"
            ended = revoke_sessions(user, reason)
            audit.record(
                actor, "user.sessions_revoked", user, {"reason": reason, "sessions": ended}
            )


def create_api_token(
    actor, user: User, *, name: str = "API token", scope: str = "read_write", expires_at=None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plain token is returned once and never stored."""
    if scope not in TOKEN_SCOPES:
        raise ValidationFailed(f"Scope must be one of: {', '.join(TOKEN_SCOPES)}.", field="scope")
    if expires_at is not None and expires_at <= now_utc():
        raise ValidationFailed("The expiry must be in the future.", field="expires_at")
    plain = "ap_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name or "API token")[:80],
        token_hash=hash_token(plain),
        prefix=plain[:10],
        scope=scope,
        expires_at=expires_at,
    )
    db.session.add(token)
    audit.record(actor, "api_token.created", token, {"user_id": user.id, "scope": scope})
    return token, plain


def tokens_query(actor, *, everyone: bool = False) -> sa.Select:
    """The actor's own tokens, or (admins, `everyone`) every user's; newest first."""
    query = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if everyone:
        query = query.options(selectinload(ApiToken.user))
        demand(actor, "tokens.manage", "Only an administrator sees everyone's tokens.")
        return query
    return query.where(ApiToken.user_id == actor.id)


def revoke_api_token(actor, token_id: int) -> ApiToken:
    """Revoke a token: its owner may, an administrator may revoke anyone's."""
    token = get_or_not_found(
        ApiToken,
        token_id,
        "No such token.",
        lambda token: token.user_id == actor.id or can(actor, "tokens.manage"),
    )
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(actor, "api_token.revoked", token, {"user_id": token.user_id})
    return token


def token_user(plain: str) -> tuple[ApiToken, User] | None:
    """The usable token and its active user for a bearer value, or None."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    now = now_utc()
    if token is None or not token.is_usable(now) or not token.user.active:
        return None
    # Touch last use at most once a minute: a busy client must not write on every call.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token, token.user


def get_user(user_id: int) -> User:
    return get_or_not_found(User, user_id, "No such user.")
