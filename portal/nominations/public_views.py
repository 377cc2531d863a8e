"""The public self-nomination page a company links from its website (no sign-in), and the
confirmation link it e-mails. Off in the program settings: every page here answers 404.

Rate limited per client and per address (Flask-Limiter, PORTAL_RATELIMIT_STORAGE_URL), as the
sign-in link page is; the answer to a sent form is the same whatever was sent.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from portal.auth.links import LinkError
from portal.auth.service import normalize_email
from portal.boundary import committing
from portal.extensions import limiter
from portal.nominations import public
from portal.nominations.forms import ConfirmForm, SelfNominationForm

bp = Blueprint("nominate", __name__)


def _client_limit() -> str:
    return current_app.config.get("SELF_NOMINATION_CLIENT_LIMIT", "10 per hour")


def _address_limit() -> str:
    return current_app.config.get("SELF_NOMINATION_LIMIT", "3 per day")


def _email_key() -> str:
    return "self-nomination:" + normalize_email(request.form.get("email", ""))


def _enabled_or_404() -> None:
    if not public.enabled():
        abort(404)


@bp.route("/nominate", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"], key_func=_email_key)
def form():
    """Offer to be an advocate: name, work e-mail, company, title, what you'd do, consent."""
    _enabled_or_404()
    form = SelfNominationForm()
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: a bot; it gets the same answer, nothing is kept
            return redirect(url_for("nominate.sent"), 303)
        with committing(form=form) as attempt:
            public.submit_self_nomination(form.to_data())
        if not attempt.refused:
            return redirect(url_for("nominate.sent"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("nominations/public_form.html", form=form), status


@bp.get("/nominate/sent")
def sent():
    """The one answer to every sent form."""
    _enabled_or_404()
    return render_template("nominations/public_sent.html")


@bp.route("/nominate/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Show the confirm button (GET); confirm and spend the link (POST)."""
    _enabled_or_404()
    try:
        row = public.check_confirm_link(token)  # reads only
    except LinkError as error:
        return render_template("nominations/public_link_problem.html", error=error), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        with committing(show=False, catches=LinkError) as attempt:
            public.confirm_self_nomination(token)
        if error := attempt.error:
            return render_template("nominations/public_link_problem.html", error=error), 400
        # Matched, waiting or known already: the same thanks (no lookup shown to anyone).
        return render_template("nominations/public_confirmed.html")
    return render_template("nominations/public_confirm.html", form=form, row=row)
