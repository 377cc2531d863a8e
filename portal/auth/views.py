"""Sign-in, sign-out, password change and reset, invitation acceptance."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import service
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm, SignInForm
from portal.auth.links import LinkError
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db, limiter
from portal.urls import is_safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


def _email_key() -> str:
    return "sign-in:" + service.normalize_email(request.form.get("email", ""))


def _only_failures(response) -> bool:
    # A successful sign-in redirects; only failed attempts (the form again) count.
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_only_failures)
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_email_key, deduct_when=_only_failures)
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
            login_user(user, remember=form.remember.data)
            service.record_sign_in(user)
            db.session.commit()
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("dashboard.home"))
        # One message for every failure: it must not tell which part was wrong.
        form.form_errors.append("That e-mail and password don't match an account.")
        return render_template("auth/sign_in.html", form=form), 200
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as error:
            db.session.rollback()
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address exists.
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_with_link(
        token,
        check=service.check_reset_link,
        apply=service.reset_password,
        heading="Choose a new password",
        done="Your password is set. Please sign in.",
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_with_link(
        token,
        check=service.check_invitation_link,
        apply=service.accept_invitation,
        heading="Welcome: choose your password",
        done="Your account is ready. Please sign in.",
    )


def _set_password_with_link(token, *, check, apply, heading, done):
    try:
        user = check(token)
    except LinkError as error:
        db.session.rollback()
        return render_template("auth/link_problem.html", error=error), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            apply(token, form.password.data)
        except LinkError as error:
            db.session.rollback()
            return render_template("auth/link_problem.html", error=error), 400
        except ValidationFailed as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(done, "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, heading=heading, user=user)
