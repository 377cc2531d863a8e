"""The advocate's self-service portal (blueprint `me`)."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import i18n
from portal.advocates import preferences as advocate_preferences
from portal.advocates import privacy, self_service
from portal.advocates.forms import (
    COMMON_TIMEZONES,
    LIMIT_NAMES,
    AcceptAskForm,
    BlackoutForm,
    DeclineAskForm,
    LeaveForm,
    PauseForm,
    PreferencesForm,
    ProfileForm,
    TermsForm,
)
from portal.asks import asks
from portal.asks.models import Ask
from portal.asks.pages import offer_on_accept
from portal.auth.links import LinkError
from portal.auth.permissions import own_advocate, require
from portal.boundary import committing
from portal.dashboard.service import advocate_home as home_figures
from portal.errors import DomainError
from portal.filters import ListFilters
from portal.forms import show_service_errors
from portal.program import terms as program_terms
from portal.program.service import get_setting
from portal.templating import local_date
from portal.urls import is_safe_next
from portal.vocab import ACTIVITY_TYPES, DECLINE_REASONS, choices, label

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.route("/asks/answer/<action>/<token>", methods=["GET", "POST"])
def answer_by_link(action: str, token: str):
    """One-click answers from the ask e-mail: GET confirms, only the POST answers."""
    try:
        ask = asks.check_answer_link(token, action)  # reads only; NotFound is the 404 page
    except LinkError as error:
        return render_template("advocates/portal/link_problem.html", error=error), 400
    i18n.follow_advocate(ask.advocate)
    problem = None
    if ask.status != "pending":
        problem = _("You already answered this ask: it is %(status)s.", status=label(ask.status))
    elif ask.is_held():
        problem = _(asks.NOT_OPEN)  # marked where it is written (N_ in asks.asks)
    elif request.method == "POST":
        with committing(show=False) as attempt:
            asks.answer_by_link(
                token,
                action,
                reason=request.form.get("reason") or None,
                note=request.form.get("note"),
                proposed_times=request.form.get("proposed_times"),
            )
        error = attempt.error
        if isinstance(error, LinkError):
            return render_template("advocates/portal/link_problem.html", error=error), 400
        if error is not None:
            problem = error.message
            if error.fields:
                return render_template(
                    "advocates/portal/answer_by_link.html",
                    ask=ask,
                    action=action,
                    reasons=choices(DECLINE_REASONS),
                    errors=error.fields,
                    form=request.form,
                ), 422
        else:
            flash(
                _("Thank you: your answer is recorded.")
                if action == "accept"
                else _("Thanks for letting us know. We won't hold it against you."),
                "success",
            )
            return redirect(url_for("me.answered", action=action))
    return render_template(
        "advocates/portal/answer_by_link.html",
        ask=ask,
        action=action,
        reasons=choices(DECLINE_REASONS),
        problem=problem,
        errors={},
        form=request.form,
    )


@bp.get("/asks/answered/<any(accept, decline):action>")
def answered(action: str):
    return render_template("advocates/portal/answered.html", action=action)


# The advocate's own pages ------------------------------------------------------------------


def _form_errors(form, error: DomainError) -> None:
    show_service_errors(form, error)


def _status(form) -> int:
    return 422 if form.is_submitted() else 200


@bp.get("/")
@require("advocate.self")
def home():
    advocate = own_advocate()
    return render_template("dashboard/advocate.html", advocate=advocate, **home_figures(advocate))


@bp.route("/terms", methods=["GET", "POST"])
@require("advocate.self")
def terms():
    advocate = own_advocate()
    version = get_setting("terms_version")
    form = TermsForm(version=version)
    if form.validate_on_submit():
        if not form.agree.data:
            form.agree.errors.append(_("Tick the box to accept the terms, or sign out."))
        else:
            with committing() as attempt:
                self_service.accept_terms(current_user, advocate, form.version.data or None)
            if attempt.refused:
                return redirect(url_for("me.terms"))
            flash(_("Thank you for joining the program."), "success")
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("me.home"))
    return render_template(
        "advocates/portal/terms.html",
        form=form,
        advocate=advocate,
        version=version,
        needed=self_service.needs_consent(advocate),
        renewal=advocate.consent_version is not None and advocate.consent_version != version,
        defaults=_defaults(),
        terms_html=program_terms.current_text(),
    ), _status(form)


@bp.route("/profile", methods=["GET", "POST"])
@require("advocate.self")
def profile():
    advocate = own_advocate()
    form = ProfileForm(obj=advocate)
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            changed = self_service.update_profile(current_user, advocate, form.to_data())
        if not attempt.refused:
            flash(_("Your profile is saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("me.profile"))
    return render_template(
        "advocates/portal/profile.html",
        form=form,
        advocate=advocate,
        timezones=COMMON_TIMEZONES,
    ), _status(form)


def _defaults() -> dict:
    return {
        "max_per_month": get_setting("default_max_per_month"),
        "max_per_quarter": get_setting("default_max_per_quarter"),
        "max_per_year": get_setting("default_max_per_year"),
        "min_days_between": get_setting("default_min_days_between"),
    }


def _preferences_page(advocate, form=None, blackout_form=None, pause_form=None, status=200):
    if form is None:
        form = PreferencesForm(obj=advocate, formdata=None)
        for name in (*LIMIT_NAMES, "min_days_between"):
            value = getattr(advocate, name)
            form[name].data = "" if value is None else str(value)
    return render_template(
        "advocates/portal/preferences.html",
        advocate=advocate,
        form=form,
        blackout_form=blackout_form or BlackoutForm(formdata=None),
        pause_form=pause_form or PauseForm(formdata=None),
        blackouts=advocate_preferences.current_blackouts(advocate),
        defaults=_defaults(),
        today=advocate_preferences.local_today(advocate),
        paused=advocate.paused_until
        if advocate.paused_until
        and advocate.paused_until > advocate_preferences.local_today(advocate)
        else None,
    ), status


@bp.route("/preferences", methods=["GET", "POST"])
@require("advocate.self")
def preferences():
    advocate = own_advocate()
    if request.method == "GET":
        return _preferences_page(advocate)
    form = PreferencesForm()
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            changed = advocate_preferences.update_preferences(
                current_user, advocate, form.to_data(), partial=True
            )
        if not attempt.refused:
            flash(_("Your preferences are saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("me.preferences"))
    return _preferences_page(advocate, form=form, status=422)


@bp.post("/blackouts")
@require("advocate.self")
def add_blackout():
    advocate = own_advocate()
    form = BlackoutForm()
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            advocate_preferences.add_blackout(current_user, advocate, form.to_data())
        if not attempt.refused:
            flash(_("Blackout period added: we won't ask you then."), "success")
            return redirect(url_for("me.preferences", _anchor="blackouts"))
    return _preferences_page(advocate, blackout_form=form, status=422)


@bp.post("/blackouts/<int:blackout_id>/remove")
@require("advocate.self")
def remove_blackout(blackout_id: int):
    advocate = own_advocate()
    with committing(raises=DomainError):
        advocate_preferences.remove_blackout(current_user, advocate, blackout_id)
    flash(_("Blackout period removed."), "success")
    return redirect(url_for("me.preferences", _anchor="blackouts"))


@bp.post("/pause")
@require("advocate.self")
def pause():
    advocate = own_advocate()
    form = PauseForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            advocate_preferences.pause(current_user, advocate, form.until.data)
        if error := attempt.error:
            form.until.errors.extend(error.fields.values() or [error.message])
        else:
            flash(
                _(
                    "Paused: no one will ask you before %(date)s.",
                    date=local_date(advocate.paused_until),
                ),
                "success",
            )
            return redirect(url_for("me.preferences", _anchor="pause"))
    return _preferences_page(advocate, pause_form=form, status=422)


@bp.post("/resume")
@require("advocate.self")
def resume():
    advocate = own_advocate()
    with committing(raises=DomainError):
        resumed = advocate_preferences.unpause(current_user, advocate)
    if resumed:
        flash(_("Welcome back: you can be asked again."), "success")
    return redirect(url_for("me.preferences", _anchor="pause"))


def _my_ask(ask_id: int) -> Ask:
    """The advocate's own ask; another's (or none) is 404, never its data."""
    ask = asks.get_ask(current_user, ask_id)
    return ask


def _ask_page(ask, accept_form=None, decline_form=None, withdraw_error=None, status=200):
    return render_template(
        "advocates/portal/ask.html",
        ask=ask,
        accept_form=accept_form or AcceptAskForm(formdata=None),
        decline_form=decline_form or DeclineAskForm(formdata=None),
        withdraw_error=withdraw_error,
    ), status


@bp.get("/asks/<int:ask_id>")
@require("advocate.self")
def ask(ask_id: int):
    own_advocate()
    found = _my_ask(ask_id)
    asks.show_expiry([found])  # shown as of now; the expire-asks job saves it
    return _ask_page(found)


@bp.post("/asks/<int:ask_id>/<any(accept, decline):action>")
@require("advocate.self")
def answer(ask_id: int, action: str):
    advocate = own_advocate()
    found = _my_ask(ask_id)
    accept = action == "accept"
    form = AcceptAskForm() if accept else DeclineAskForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            self_service.answer_my_ask(current_user, found, form.to_data(), accept=accept)
            if accept:
                offer_on_accept(found)  # times offered on the accept form, if any
        if error := attempt.error:
            if not error.fields:
                # Too late, or answered already: say so, and show the ask as it now is.
                flash(error.message, "error")
                with committing(raises=DomainError):
                    asks.expire_overdue_asks(advocate_id=advocate.id)
                return redirect(url_for("me.ask", ask_id=ask_id))
            _form_errors(form, error)
        else:
            flash(
                _("Thank you: the team will be in touch to arrange the details.")
                if accept
                else _("Thanks for letting us know. Saying no never counts against you."),
                "success",
            )
            return redirect(url_for("me.home"))
    if accept:
        return _ask_page(found, accept_form=form, status=422)
    return _ask_page(found, decline_form=form, status=422)


@bp.post("/asks/<int:ask_id>/withdraw")
@require("advocate.self")
def withdraw(ask_id: int):
    """Back out of an accepted ask, saying why."""
    own_advocate()
    found = _my_ask(ask_id)
    with committing(show=False) as attempt:
        asks.withdraw_acceptance(current_user, found, request.form.get("reason"))
    if error := attempt.error:
        if error.fields:
            return _ask_page(found, withdraw_error=error.message, status=422)
        flash(error.message, "error")
        return redirect(url_for("me.ask", ask_id=ask_id))
    flash(
        _("You're no longer down for this; the team has been told and will find someone else."),
        "success",
    )
    return redirect(url_for("me.ask", ask_id=ask_id))


@bp.get("/history")
@require("advocate.self")
def history():
    advocate = own_advocate()
    years = self_service.history_years(advocate)
    args = ListFilters(request.args)
    year = args.choice("year", [str(y) for y in years])
    year = int(year) if year else None
    kind = args.choice("type", ACTIVITY_TYPES)
    args.announce()
    return render_template(
        "advocates/portal/history.html",
        advocate=advocate,
        years=years,
        year=year,
        kind=kind,
        activity_types=choices(ACTIVITY_TYPES),
        filtered=bool(year or kind),
        **self_service.history(advocate, year=year, activity_type=kind or None),
    )


@bp.route("/leave", methods=["GET", "POST"])
@require("advocate.self")
def leave():
    advocate = own_advocate()
    form = LeaveForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            withdrawn = self_service.leave_program(current_user, advocate, form.reason.data)
        if error := attempt.error:
            _form_errors(form, error)
            if not error.fields:
                return redirect(url_for("me.leave"))
        else:
            message = _("You have left the program. Thank you for all your help.")
            if withdrawn:
                message += " " + ngettext(
                    "%(num)d open ask was withdrawn.",
                    "%(num)d open asks were withdrawn.",
                    withdrawn,
                )
            flash(message, "success")
            return redirect(url_for("me.leave"))
    return render_template(
        "advocates/portal/leave.html",
        advocate=advocate,
        form=form,
        live=self_service.live_asks(advocate),
    ), _status(form)


@bp.get("/data.json")
@require("advocate.self")
def download_data():
    advocate = own_advocate()
    with committing(raises=DomainError):
        data = privacy.export_data(current_user, advocate)
    response = current_app.response_class(
        json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-advocate-data-{advocate.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/erasure")
@require("advocate.self")
def request_erasure():
    advocate = own_advocate()
    with committing() as attempt:
        privacy.request_erasure(current_user, advocate)
    if not attempt.refused:
        flash(
            _(
                "We have your request. The program team will erase your personal details "
                "and let you know."
            ),
            "success",
        )
    return redirect(url_for("me.leave"))
