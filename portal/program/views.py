"""Program settings pages for administrators (the hub lists them): the program policy, points
per activity, sign-in security and more."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from portal.asks import lead_time
from portal.auth import mfa
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError, ValidationFailed
from portal.forms import id_or_raw
from portal.program import ask_templates, policy, preview, service
from portal.program.ask_template_forms import AskTemplatesForm
from portal.program.forms import ProgramPolicyForm, number_or_raw, per_activity_type_form
from portal.vocab import ACTIVITY_TYPES

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

# The settings hub (/admin/settings/) lists these pages in this order: (endpoint, title, what an
# administrator sets there). A new settings page adds one line here.
SETTINGS_PAGES = [
    (
        "settings.program",
        "Program policy",
        "Program name and sender, default limits, account protection, answer window and "
        "reminders, match weights, self-service activity types, points expiry.",
    ),
    ("settings.points", "Points per activity", "What each completed activity earns."),
    (
        "settings.ask_templates",
        "Ask templates",
        "The text per activity that goes with every ask: what it is, what is asked, how long.",
    ),
    (
        "settings.lead_times",
        "Lead times",
        "The minimum notice per activity; requests due sooner are filed only as a rush.",
    ),
    (
        "playbook_admin.edit",
        "Requester playbook",
        "Which activity fits which sales stage, how to brief an advocate, do's and don'ts.",
    ),
    (
        "terms_admin.index",
        "Program terms",
        "The terms advocates accept, in Markdown: preview, publish a new version, past versions "
        "and who accepted them.",
    ),
    (
        "taxonomies.index",
        "Taxonomies",
        "Industries, products, use cases, languages and lists you add: terms, their order, "
        "groups, retiring and merging; region and seniority labels.",
    ),
    ("outbox.chat_settings", "Team chat", "Program events posted to Slack or Microsoft Teams."),
    ("settings.security", "Sign-in security", "Whether staff must use two-step sign-in."),
    (
        "recognition.settings",
        "Recognition",
        "Whether all staff see the leaderboard; how often executives get the summary e-mail.",
    ),
    ("thanks.settings", "Thanking advocates", "Whether advocates hear what won deals achieved."),
    (
        "custom_fields.index",
        "Custom fields",
        "Your own fields on accounts and advocates, on forms, lists, API, CSV and matching.",
    ),
]


PointsForm = per_activity_type_form("PointsForm", service.POINTS_MAX)
LeadTimesForm = per_activity_type_form("LeadTimesForm", lead_time.LEAD_TIME_MAX)


def _per_activity_type_page(form, update, saved: str, endpoint: str, template: str, **context):
    """A settings page of one value per activity type, saved with `update(actor, {type: value})`:
    each refusal next to its field, else back to `endpoint` saying how many changed. `template`
    shows the form, with `context`."""
    if form.validate_on_submit():
        with committing(show=False, catches=ValidationFailed) as attempt:
            changed = update(current_user, {t: form[t].data for t in ACTIVITY_TYPES})
        if error := attempt.error:
            for name, message in error.fields.items():
                if name in form:
                    form[name].errors.append(message)
        else:
            flash(saved.format(len(changed)) if changed else "Nothing changed.", "success")
            return redirect(url_for(endpoint))
    status = 422 if form.errors else 200
    return render_template(template, form=form, types=ACTIVITY_TYPES, **context), status


@bp.route("/points", methods=["GET", "POST"])
@require("users.manage")
def points():
    form = PointsForm(data=service.get_setting("points_by_activity"))
    return _per_activity_type_page(
        form,
        service.update_points_by_activity,
        "Saved: {} activity type(s) changed.",
        "settings.points",
        "admin/points.html",
        defaults=service.DEFAULTS,
    )


class SecurityForm(FlaskForm):
    require_mfa_for_staff = BooleanField(
        "Managers and admins must use two-step sign-in",
        description="They enrol an authenticator app at their next password sign-in. "
        "Single sign-on is exempt: your identity provider runs its own checks.",
    )


@bp.route("/security", methods=["GET", "POST"])
@require("users.manage")
def security():
    """Sign-in security: whether managers and admins must use two-step sign-in."""
    form = SecurityForm(data={"require_mfa_for_staff": service.get_setting(mfa.SETTING)})
    if form.validate_on_submit():
        with committing(raises=DomainError):
            ended = mfa.set_require_mfa_for_staff(current_user, form.require_mfa_for_staff.data)
        flash(f"Saved. {ended} session(s) of people who must enrol first ended.", "success")
        return redirect(url_for("settings.security"))
    return render_template("admin/security.html", form=form)


@bp.route("/lead-times", methods=["GET", "POST"])
@require("users.manage")
def lead_times():
    """The minimum notice per activity type; a request inside it is filed only as a rush."""
    form = LeadTimesForm(data=lead_time.lead_times())
    return _per_activity_type_page(
        form,
        lead_time.update_lead_times,
        "Saved: {} activity type(s) changed; new requests follow them now.",
        "settings.lead_times",
        "admin/lead_times.html",
        defaults=service.DEFAULTS[lead_time.SETTING],
        maximum=lead_time.LEAD_TIME_MAX,
    )


@bp.route("/ask-templates", methods=["GET", "POST"], endpoint="ask_templates")
@require("users.manage")
def ask_templates_page():
    """The program's text per activity type that goes with every ask (e-mail and ask page)."""
    current = ask_templates.ask_templates()
    form = AskTemplatesForm(data=current)
    return _per_activity_type_page(
        form,
        ask_templates.update_ask_templates,
        "Saved: {} ask template(s) changed; asks placed from now on carry them.",
        "settings.ask_templates",
        "admin/ask_templates.html",
        current=current,
        defaults=service.DEFAULTS[ask_templates.SETTING],
        maximum=ask_templates.TEMPLATE_MAX,
    )


@bp.get("/")
@require("users.manage")
def index():
    """Every settings page, in one list."""
    return render_template("admin/settings_index.html", pages=SETTINGS_PAGES)


def _policy_form_data(values: dict) -> dict:
    data = {key: values[key] for key in policy.FORM_KEYS}
    for kind in policy.WEIGHT_KINDS:
        data[f"weight_{kind}"] = (values["match_weights"] or {}).get(kind, 0)
    return data


def _candidate_weights(form: ProgramPolicyForm) -> dict:
    return {kind: form[f"weight_{kind}"].data for kind in policy.WEIGHT_KINDS}


def _show_policy_errors(form: ProgramPolicyForm, error: DomainError) -> None:
    """A service error next to its field (a weight's `match_weights.<kind>` is `weight_<kind>`;
    a preview's `request_id` is the sample); what names no field goes in the summary."""
    for name, message in (error.fields or {None: error.message}).items():
        target = {"request_id": "sample_request"}.get(name, name or "")
        target = target.replace("match_weights.", "weight_")
        if target in form:
            form[target].errors.append(message)
        else:
            form.form_errors.append(message)


@bp.route("/program", methods=["GET", "POST"])
@require("users.manage")
def program():
    """The program's policy, saved together (or nothing is); "Preview" ranks a sample request
    with the weights in the form without saving anything."""
    form = ProgramPolicyForm(data=_policy_form_data(policy.stored_values()))
    for name, default in (
        ("program_name", "PROGRAM_NAME"),
        ("ask_reminder_days", "ASK_REMINDER_DAYS"),
    ):
        # What an empty field means: the installation's default (a copy: render_kw is shared).
        form[name].render_kw = {**form[name].render_kw, "placeholder": current_app.config[default]}
    samples = preview.sample_requests()
    form.sample_request.choices = [(r.id, preview.sample_label(r)) for r in samples]
    shown = None
    if form.validate_on_submit():
        if "preview" in request.form:
            try:
                shown = preview.preview_weights(
                    current_user, form.sample_request.data, _candidate_weights(form)
                )
            except DomainError as error:
                _show_policy_errors(form, error)
        else:
            data = {key: form[key].data for key in policy.FORM_KEYS}
            data["match_weights"] = _candidate_weights(form)
            with committing(show=False, catches=ValidationFailed) as attempt:
                changed = policy.update_policy(current_user, data)
            if error := attempt.error:
                _show_policy_errors(form, error)
            else:
                flash(
                    f"Saved: {len(changed)} setting(s) changed." if changed else "Nothing changed.",
                    "success",
                )
                return redirect(url_for("settings.program"))
    elif request.method == "GET" and samples:
        try:  # the weights in force (a stored value an older check let through shows none)
            shown = preview.preview_weights(current_user, samples[0].id, {})
        except ValidationFailed:
            shown = None
    status = 422 if form.errors else 200
    return render_template(
        "admin/program.html",
        form=form,
        preview=shown,
        samples=samples,
        config_name=current_app.config["PROGRAM_NAME"],
        config_sender=current_app.config["MAIL_FROM"],
        config_reminder=current_app.config["ASK_REMINDER_DAYS"],
    ), status


@bp.get("/program/preview")
@require("users.manage")
def program_preview():
    """The weights' preview alone (the policy page fetches it as the weights are typed)."""
    weights = {
        kind: number_or_raw(request.args.get(kind))
        for kind in policy.WEIGHT_KINDS
        if kind in request.args
    }
    request_id = request.args.get("request_id")
    if request_id is None:
        samples = preview.sample_requests()
        if not samples:
            return render_template("admin/_program_preview.html", preview=None, errors={})
        request_id = samples[0].id
    try:
        shown = preview.preview_weights(current_user, id_or_raw(request_id), weights)
    except DomainError as error:
        errors = error.fields or {"": error.message}
        return render_template(
            "admin/_program_preview.html", preview=None, errors=errors
        ), error.status
    return render_template("admin/_program_preview.html", preview=shown, errors={})
