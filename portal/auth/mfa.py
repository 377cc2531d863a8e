"""Two-step sign-in: time-based one-time codes (RFC 6238, pyotp) and single-use recovery codes.

A user enrols by scanning a QR code (or typing the secret) into an authenticator app and
confirming one code; they get 10 recovery codes, shown once and stored only as SHA-256 hashes.
With two-step sign-in on, a password sign-in asks for a code before any session starts. The
program setting `require_mfa_for_staff` makes managers and admins enrol before they get in.
Single sign-on is exempt: the identity provider is in charge of its own second factor.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa

from portal.audit import service as audit
from portal.auth.models import MfaRecoveryCode, User, UserSession, hash_token
from portal.auth.permissions import can, roles_holding
from portal.auth.session import revoke_sessions
from portal.database import now_utc
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.program.policy import program_name
from portal.program.service import get_setting, set_setting

RECOVERY_CODES = 10
SETTING = "require_mfa_for_staff"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=program_name())


@functools.lru_cache(maxsize=128)
def qr_code_svg(uri: str) -> str:
    """The URI as a QR code, an SVG data URI for an <img>. Encoding one takes longer than the
    rest of the page (choosing the best mask): a setup page shown again (a wrong code, a
    reload) shows the one it made, while the secret waits in the user's session."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def mfa_required(user: User) -> bool:
    """Whether the program requires this user (a manager or admin) to use two-step sign-in."""
    return can(user, "program.manage") and bool(get_setting(SETTING))


def _clean(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _totp_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step `code` is valid for (now, or one step either side), if later than `after`."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.add_all(MfaRecoveryCode(user_id=user.id, code_hash=hash_token(c)) for c in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def enable_mfa(user: User, secret: str, code: str) -> list[str]:
    """Turn two-step sign-in on once `code` proves the app has `secret`; return the recovery
    codes (shown once)."""
    if user.mfa_enabled:
        raise DomainError("Two-step sign-in is already on.", field="code")
    step = _totp_step(secret, _clean(code), None)
    if step is None:
        raise ValidationFailed(
            "That code doesn't match: check the time on your phone and try the newest code.",
            field="code",
        )
    user.mfa_secret = secret
    user.mfa_enabled_at = now_utc()
    user.mfa_last_step = step
    codes = _new_recovery_codes(user)
    audit.record(user, "user.mfa_enabled", user)
    return codes


def verify_second_factor(user: User, code: str) -> str | None:
    """Accept a current code from the app ("totp") or an unused recovery code ("recovery_code",
    spent now); None otherwise. A code from the app works once."""
    if not user.mfa_enabled:
        return None
    cleaned = _clean(code)
    step = _totp_step(user.mfa_secret, cleaned, user.mfa_last_step)
    if step is not None:
        # Conditional: two requests with the same code can't both pass.
        taken = db.session.execute(
            sa.update(User)
            .where(
                User.id == user.id,
                sa.or_(User.mfa_last_step.is_(None), User.mfa_last_step < step),
            )
            .values(mfa_last_step=step)
            .execution_options(synchronize_session=False)
        )
        return "totp" if taken.rowcount == 1 else None
    if len(cleaned) != 10:
        return None
    spent = db.session.execute(
        sa.update(MfaRecoveryCode)
        .where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == hash_token(cleaned),
            MfaRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return None
    audit.record(user, "user.mfa_recovery_code_used", user, {"left": recovery_codes_left(user)})
    return "recovery_code"


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)
        )
    )


def _check_presence(user: User, password: str | None, code: str | None) -> None:
    """The person at the keyboard proves it is them: their password or a current code."""
    if password and user.password_hash and user.check_password(password):
        return
    if code and verify_second_factor(user, code):
        return
    raise ValidationFailed("Enter your password or a current code from your app.", field="password")


def disable_mfa(user: User, *, password: str | None = None, code: str | None = None) -> None:
    """Turn two-step sign-in off (refused while the program requires it for the user's role)."""
    if not user.mfa_enabled:
        raise DomainError("Two-step sign-in is not on.")
    if mfa_required(user):
        raise DomainError("The program requires two-step sign-in for your role: it stays on.")
    _check_presence(user, password, code)
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(sa.delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    audit.record(user, "user.mfa_disabled", user)


def regenerate_recovery_codes(user: User, *, password: str | None, code: str | None) -> list[str]:
    """Replace the recovery codes (the old ones stop working); return the new ones."""
    if not user.mfa_enabled:
        raise DomainError("Two-step sign-in is not on.")
    _check_presence(user, password, code)
    codes = _new_recovery_codes(user)
    audit.record(user, "user.mfa_recovery_codes_renewed", user)
    return codes


def set_require_mfa_for_staff(actor, required: bool) -> int:
    """Save the setting; turning it on ends the password sessions of managers and admins who
    have not enrolled, so they enrol at their next sign-in. Return how many sessions ended."""
    required = bool(required)
    if bool(get_setting(SETTING)) == required:
        return 0
    set_setting(actor, SETTING, required)
    if not required:
        return 0
    ended = 0
    users = db.session.scalars(
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.role.in_(roles_holding("program.manage")),
            User.mfa_secret.is_(None),
            UserSession.revoked_at.is_(None),
            UserSession.method == "password",
        )
        .distinct()
    )
    for user in users:
        ended += revoke_sessions(user, "mfa_required")
    return ended
