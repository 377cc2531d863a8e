"""Sign-in (and its second step), sign-out, sessions, two-step sign-in, password change and
reset, invitation acceptance."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from limits import RateLimitItemPerSecond

from portal.auth import mfa, service
from portal.auth import session as sessions
from portal.auth.forms import (
    ChangePasswordForm,
    ConfirmPresenceForm,
    EnableMfaForm,
    ForgotPasswordForm,
    SecondStepForm,
    SetPasswordForm,
    SignInForm,
)
from portal.auth.links import LinkError
from portal.auth.models import User, hash_token
from portal.auth.pages import PENDING, begin_sign_in, finish_sign_in
from portal.boundary import committing
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db, limiter
from portal.urls import is_safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

SETUP = "_mfa_setup_secret"
FAILURE = _l("That e-mail and password don't match an account.")


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


def _email_key() -> str:
    return "sign-in:" + service.normalize_email(request.form.get("email", ""))


def _only_failures(response) -> bool:
    # A successful sign-in redirects; only failed attempts (the form again) count.
    return response.status_code != 302


def _audit_lockout(request_limit) -> None:
    """Audit a sign-in the rate limit refused: once per limit key and window, not per attempt."""
    once = RateLimitItemPerSecond(1, request_limit.limit.get_expiry())
    if not limiter.limiter.hit(once, "lockout-audited", request_limit.key):
        return
    scope = "address" if "sign-in:" in request_limit.key else "client"
    with committing(raises=DomainError):
        service.record_lockout(request.form.get("email", ""), scope)


# Sign-in ------------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    _sign_in_limit, methods=["POST"], deduct_when=_only_failures, on_breach=_audit_lockout
)
@limiter.limit(
    _sign_in_limit,
    methods=["POST"],
    key_func=_email_key,
    deduct_when=_only_failures,
    on_breach=_audit_lockout,
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except DomainError as refusal:
            form.form_errors.append(refusal.message)
            return render_template("auth/sign_in.html", form=form), 200
        if user is not None:
            return begin_sign_in(
                user, "password", remember=form.remember.data, target=request.args.get("next")
            )
        with committing(raises=DomainError):  # the failure is audited, nothing else written
            service.record_failed_sign_in(form.email.data)
        # One message for every failure: it must not tell which part was wrong.
        form.form_errors.append(str(FAILURE))
        return render_template("auth/sign_in.html", form=form), 200
    return render_template("auth/sign_in.html", form=form)


def _pending() -> tuple[User | None, dict]:
    """The user half-way through signing in, while their first step is recent enough."""
    pending = session.get(PENDING) or {}
    age = time.time() - pending.get("at", 0)
    if not pending or age > current_app.config["MFA_PENDING_SECONDS"]:
        return None, {}
    user = db.session.get(User, pending.get("uid"))
    return (user, pending) if user is not None and user.active else (None, {})


def _restart():
    session.pop(PENDING, None)
    flash(_("Please sign in again."), "info")
    return redirect(url_for("auth.sign_in"))


def _mfa_limit() -> str:
    return current_app.config["MFA_LIMIT"]


def _pending_key() -> str:
    return f"mfa:{(session.get(PENDING) or {}).get('uid')}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_mfa_limit, methods=["POST"], deduct_when=_only_failures)
@limiter.limit(_mfa_limit, methods=["POST"], key_func=_pending_key, deduct_when=_only_failures)
def second_step():
    """The second step: a code from the authenticator app or a recovery code."""
    user, pending = _pending()
    if user is None or not user.mfa_enabled:
        return _restart()
    form = SecondStepForm()
    if form.validate_on_submit():
        with committing(raises=DomainError) as attempt:
            used = mfa.verify_second_factor(user, form.code.data)
            if used is None:
                attempt.discard()  # nothing the failed check changed is kept
        if used is not None:
            if used == "recovery_code":
                left = mfa.recovery_codes_left(user)
                flash(_("You used a recovery code: %(left)s left.", left=left), "warning")
            return finish_sign_in(user, "mfa", remember=pending["remember"], target=pending["next"])
        with committing(raises=DomainError):
            service.record_failed_sign_in(user.email, reason="code")
        form.code.errors.append(_("That code doesn't match. Try the newest code from your app."))
        return render_template("auth/second_step.html", form=form), 200
    return render_template("auth/second_step.html", form=form)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@limiter.limit(_mfa_limit, methods=["POST"], deduct_when=_only_failures)
@limiter.limit(_mfa_limit, methods=["POST"], key_func=_pending_key, deduct_when=_only_failures)
def enrol_to_sign_in():
    """The program requires two-step sign-in of this user: enrol now, then be signed in."""
    user, pending = _pending()
    if user is None or "secret" not in pending:
        return _restart()
    form = EnableMfaForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            codes = mfa.enable_mfa(user, pending["secret"], form.code.data)
            session.pop(PENDING, None)
            sessions.start_session(user, "mfa", remember=pending["remember"])
            service.record_sign_in(user, "mfa")
        if error := attempt.error:
            form.code.errors.append(error.message)
        else:
            target = pending["next"] if is_safe_next(pending["next"]) else None
            return render_template("auth/recovery_codes.html", codes=codes, target=target)
    return _setup_page(user, pending["secret"], form, required=True)


def _setup_page(user: User, secret: str, form, *, required: bool = False):
    uri = mfa.provisioning_uri(user, secret)
    status = 422 if form.errors else 200
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        secret=secret,
        uri=uri,
        qr=mfa.qr_code_svg(uri),
        required=required,
    ), status


# Sign-out and sessions ----------------------------------------------------------------------


@bp.post("/sign-out")
@login_required
def sign_out():
    with committing(raises=DomainError):
        sessions.end_session(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.get("/sessions")
@login_required
def session_list():
    """Where the user is signed in, with a way to end any of it."""
    current = hash_token(current_user.session_key or "")
    return render_template(
        "auth/sessions.html", sessions=sessions.live_sessions(current_user), current=current
    )


@bp.post("/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    with committing(show=False, catches=NotFound) as attempt:
        row = sessions.revoke_session(current_user, session_id)
    if attempt.refused:
        flash(_("That session is already gone."), "info")
        return redirect(url_for("auth.session_list"))
    if row.key_hash == hash_token(current_user.session_key or ""):
        logout_user()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.sign_in"))
    flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.session_list"))


@bp.post("/sessions/revoke-all")
@login_required
def sign_out_everywhere():
    with committing(raises=DomainError):
        sessions.sign_out_everywhere(current_user)
    logout_user()
    flash(_("You are signed out everywhere, on this device too."), "info")
    return redirect(url_for("auth.sign_in"))


# Two-step sign-in settings ------------------------------------------------------------------


@bp.route("/mfa", methods=["GET", "POST"])
@login_required
def mfa_settings():
    """Turn two-step sign-in on (scan, confirm a code) or see its state and turn it off."""
    user = current_user._get_current_object()
    if user.mfa_enabled:
        session.pop(SETUP, None)
        return render_template(
            "auth/mfa_status.html",
            form=ConfirmPresenceForm(),
            left=mfa.recovery_codes_left(user),
            required=mfa.mfa_required(user),
        )
    secret = session.get(SETUP) or mfa.new_secret()
    session[SETUP] = secret
    form = EnableMfaForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            codes = mfa.enable_mfa(user, secret, form.code.data)
        if error := attempt.error:
            form.code.errors.append(error.message)
        else:
            session.pop(SETUP, None)
            return render_template("auth/recovery_codes.html", codes=codes, target=None)
    return _setup_page(user, secret, form)


@bp.post("/mfa/disable")
@login_required
def disable_mfa():
    done, _result = _with_presence(mfa.disable_mfa)
    if done:
        flash(_("Two-step sign-in is off."), "success")
    return redirect(url_for("auth.mfa_settings"))


@bp.post("/mfa/recovery-codes")
@login_required
def renew_recovery_codes():
    done, codes = _with_presence(mfa.regenerate_recovery_codes)
    if done:
        return render_template("auth/recovery_codes.html", codes=codes, target=None)
    return redirect(url_for("auth.mfa_settings"))


def _with_presence(change):
    """Make `change` to the signed-in user's two-step sign-in once they confirm they are there
    (password and code): (True, what it returns), or (False, None) with the refusal flashed."""
    form = ConfirmPresenceForm()
    if not form.validate_on_submit():
        return False, None
    with committing(show=False) as attempt:
        result = change(
            current_user._get_current_object(),
            password=form.password.data,
            code=form.code.data,
        )
    if error := attempt.error:
        flash(error.message, "danger")
        return False, None
    return True, result


# Passwords ----------------------------------------------------------------------------------


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        before = sessions.current_session(user)
        method = before.method if before is not None else "password"
        with committing(show=False, catches=ValidationFailed) as attempt:
            service.change_password(user, form.current_password.data, form.new_password.data)
            # Every session ended with the old password; this browser goes on with a new one.
            sessions.start_session(user, method, remember=bool(before and before.remember))
        if error := attempt.error:
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/change_password.html", form=form)


def _reset_client_limit() -> str:
    return current_app.config["RESET_CLIENT_LIMIT"]


def _reset_address_limit() -> str:
    return current_app.config["RESET_LIMIT"]


def _reset_key() -> str:
    return "reset:" + service.normalize_email(request.form.get("email", ""))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_client_limit, methods=["POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=_reset_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        with committing(raises=DomainError):
            service.request_password_reset(form.email.data)
        # Known and unknown addresses answer after the same time: the work a known one causes
        # (a link, an e-mail, an audit event) must not show in how long the answer takes.
        time.sleep(max(0.0, current_app.config["RESET_MIN_SECONDS"] - (time.monotonic() - started)))
        # The same answer whether or not the address exists.
        flash(_("If that address has an account, a reset link is on its way."), "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_with_link(
        token,
        check=service.check_reset_link,
        apply=service.reset_password,
        heading=_("Choose a new password"),
        done=_("Your password is set. Please sign in."),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_with_link(
        token,
        check=service.check_invitation_link,
        apply=service.accept_invitation,
        heading=_("Welcome: choose your password"),
        done=_("Your account is ready. Please sign in."),
    )


def _set_password_with_link(token, *, check, apply, heading, done):
    try:
        user = check(token)  # reads only
    except LinkError as error:
        return render_template("auth/link_problem.html", error=error), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        signed_in = current_user.is_authenticated
        with committing(show=False, catches=(LinkError, ValidationFailed)) as attempt:
            apply(token, form.password.data)
            if signed_in:
                sessions.end_session(current_user)
        if isinstance(error := attempt.error, LinkError):
            return render_template("auth/link_problem.html", error=error), 400
        if error:
            form.password.errors.append(error.message)
        else:
            if signed_in:
                logout_user()
            flash(done, "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, heading=heading, user=user)
