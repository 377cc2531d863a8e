"""Magic-link sign-in for advocates: a signed, single-use link by e-mail, valid 15 minutes.

Asking for a link answers the same whether or not the address belongs to an advocate, and is
rate limited per address and per client address (Flask-Limiter, PORTAL_RATELIMIT_STORAGE_URL).
Opening the link shows a button; only pressing it spends the link, so mail scanners that
fetch links can't use it up.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from portal.audit import service as audit
from portal.auth.links import LinkError, issue_link_token, peek_link_token, use_link_token
from portal.auth.models import User
from portal.auth.pages import begin_sign_in
from portal.auth.service import find_user, normalize_email
from portal.auth.session import end_session
from portal.boundary import committing
from portal.extensions import limiter
from portal.i18n import gettext
from portal.notifications.service import queue_email
from portal.urls import external_url

PURPOSE = "magic-sign-in"

bp = Blueprint("magic", __name__, url_prefix="/auth/link")


class MagicLinkForm(FlaskForm):
    email = EmailField(
        "E-mail",
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    submit = SubmitField("E-mail me a sign-in link")


class UseMagicLinkForm(FlaskForm):
    submit = SubmitField("Sign in")


# Service ------------------------------------------------------------------------------------


def _max_age() -> int:
    return current_app.config["MAGIC_LINK_MAX_AGE"]


def request_magic_link(email: str) -> None:
    """Queue a sign-in link when the address is an active advocate's login; nothing otherwise."""
    user = find_user(email)
    if user is None or not user.active or user.role != "advocate":
        return
    token = issue_link_token(user, PURPOSE, _max_age())
    from flask_babel import lazy_gettext

    queue_email(
        "magic_link",
        user.email,
        lazy_gettext("Your sign-in link"),
        user=user,
        link=external_url("magic.use", token=token),
        minutes=_max_age() // 60,
    )
    audit.record(None, "user.magic_link_requested", user)


def check_magic_link(token: str) -> User:
    return peek_link_token(token, PURPOSE, _max_age()).user


def use_magic_link(token: str) -> User:
    """Spend the link and return its advocate; LinkError when expired, used or tampered."""
    user = use_link_token(token, PURPOSE, _max_age()).user
    if user is None or not user.active or user.role != "advocate":
        raise LinkError("invalid", "This link is not valid.")
    return user


# Views --------------------------------------------------------------------------------------


def _address_limit() -> str:
    return current_app.config["MAGIC_LINK_LIMIT"]


def _client_limit() -> str:
    return current_app.config["MAGIC_LINK_CLIENT_LIMIT"]


def _email_key() -> str:
    return "magic-link:" + normalize_email(request.form.get("email", ""))


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"], key_func=_email_key)
def ask():
    """Ask for a sign-in link by e-mail."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = MagicLinkForm()
    if form.validate_on_submit():
        with committing():
            request_magic_link(form.email.data)
        # The same answer whether or not the address exists.
        flash(
            gettext(
                "If that address belongs to an advocate, a sign-in link is on its way. "
                "It works once, for 15 minutes."
            ),
            "info",
        )
        return redirect(url_for("magic.ask"))
    status = 422 if form.errors else 200
    return render_template("auth/magic_link.html", form=form), status


@bp.route("/<token>", methods=["GET", "POST"])
def use(token: str):
    """Show the sign-in button (GET); sign in and spend the link (POST)."""
    form = UseMagicLinkForm()
    with committing(show=False, catches=LinkError) as attempt:
        user = check_magic_link(token)
        if form.validate_on_submit():
            user = use_magic_link(token)
            if current_user.is_authenticated:
                end_session(current_user)
                logout_user()
            return begin_sign_in(user, "link")  # commits the spent link with the sign-in
        attempt.discard()  # showing the button changes nothing
    if attempt.refused:
        return render_template("auth/link_problem.html", error=attempt.error, magic=True), 400
    return render_template("auth/magic_use.html", form=form, user=user)
