"""The public welcome page an invitee reaches from the invitation e-mail (no sign-in: the signed
link is the credential): accept with a password and the terms, or decline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from portal.auth.links import LinkError
from portal.auth.session import start_session
from portal.boundary import committing
from portal.forms import form_status, show_service_errors
from portal.program import terms as program_terms
from portal.program.policy import program_name
from portal.program.service import get_setting
from portal.recruiting import pipeline as pipeline_service
from portal.recruiting.forms import DeclineInvitationForm, WelcomeForm

welcome_bp = Blueprint("welcome", __name__, url_prefix="/welcome")


@welcome_bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str):
    try:
        advocate = pipeline_service.check_welcome_link(token)  # reads only
    except LinkError as error:
        return render_template("auth/link_problem.html", error=error), 400
    form = WelcomeForm()
    if not form.is_submitted():
        form.version.data = get_setting("terms_version")
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            user = pipeline_service.accept_invitation(
                token,
                password=form.password.data,
                accept_terms=form.accept_terms.data,
                terms_version=form.version.data or None,
            )
            start_session(user, "invitation")
        if isinstance(error := attempt.error, LinkError):
            return render_template("auth/link_problem.html", error=error), 400
        if error:
            show_service_errors(form, error)
        else:
            flash(f"Welcome to {program_name()}, {advocate.name}.", "success")
            return redirect(url_for("me.home"))
    return render_template(
        "recruiting/welcome.html",
        advocate=advocate,
        form=form,
        decline_form=DeclineInvitationForm(),
        token=token,
        version=get_setting("terms_version"),
        terms_html=program_terms.current_text(),
        defaults={
            "max_per_month": get_setting("default_max_per_month"),
            "max_per_quarter": get_setting("default_max_per_quarter"),
            "max_per_year": get_setting("default_max_per_year"),
            "min_days_between": get_setting("default_min_days_between"),
        },
    ), form_status(form)


@welcome_bp.post("/<token>/decline")
def decline(token: str):
    form = DeclineInvitationForm()
    if not form.validate_on_submit():
        abort(400)
    with committing(show=False, catches=LinkError) as attempt:
        pipeline_service.decline_invitation(token)
    if error := attempt.error:
        return render_template("auth/link_problem.html", error=error), 400
    return render_template("recruiting/declined.html")
