"""Helpers of the sign-in pages (password, e-mail link): sign a user in after their first
factor, or send them to the second step first."""

from __future__ import annotations

import time

from flask import redirect, session, url_for

from portal.auth import mfa, service
from portal.auth import session as sessions
from portal.auth.models import User
from portal.boundary import committing
from portal.errors import DomainError
from portal.urls import is_safe_next

# The half-signed-in state between the password and the code: it grants nothing (no session
# starts and Flask-Login knows no user) and lapses after MFA_PENDING_SECONDS.
PENDING = "_sign_in_pending"


def begin_sign_in(user: User, method: str, *, remember: bool = False, target: str | None = None):
    """Sign `user` in after their first factor, or send them to the second step (or, when the
    program requires it and they have none, to enrolment) first."""
    must_enrol = method == "password" and not user.mfa_enabled and mfa.mfa_required(user)
    if not (user.mfa_enabled or must_enrol):
        return finish_sign_in(user, method, remember=remember, target=target)
    pending = {
        "uid": user.id,
        "remember": bool(remember),
        "next": target if is_safe_next(target) else None,
        "at": int(time.time()),
    }
    if must_enrol:
        pending["secret"] = mfa.new_secret()
    with committing(raises=DomainError):  # what the first step spent (a link) stays spent
        session[PENDING] = pending
    return redirect(url_for("auth.enrol_to_sign_in" if must_enrol else "auth.second_step"))


def finish_sign_in(user: User, method: str, *, remember: bool = False, target: str | None = None):
    session.pop(PENDING, None)
    with committing(raises=DomainError):
        sessions.start_session(user, method, remember=remember)
        service.record_sign_in(user, method)
    return redirect(target if is_safe_next(target) else url_for("dashboard.home"))
