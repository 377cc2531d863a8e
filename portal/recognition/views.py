"""Recognition pages (blueprint `recognition`): scorecards with the leaderboard, and the program
team's recognition settings (leaderboard switch, executive summary frequency)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from portal.auth.permissions import can, require
from portal.boundary import committing
from portal.database import now_utc
from portal.errors import ValidationFailed
from portal.program.service import get_setting
from portal.recognition import service

bp = Blueprint("recognition", __name__, url_prefix="/recognition")


@bp.get("/")
@require("recognition.view")
def index():
    try:
        period = service.parse_period(request.args.get("period"))
    except ValidationFailed as error:
        return render_template("recognition/index.html", error=error, board=None), 422
    board = service.scorecards(current_user, period)
    return render_template(
        "recognition/index.html",
        error=None,
        board=board,
        period=period,
        kinds=[
            (kind, service.period_of(kind, period.start).key)
            for kind in ("month", "quarter", "year")
        ],
        may_configure=can(current_user, "program.manage"),
        # Periods run from FIRST_YEAR to the end of next year (parse_period), no further.
        has_next=period.end.year <= now_utc().year + 1,
        has_prev=period.shifted(-1).start.year >= service.FIRST_YEAR,
    )


class RecognitionSettingsForm(FlaskForm):
    leaderboard_enabled = BooleanField(
        "Show the leaderboard to all staff",
        description="The top ten nominators by references delivered and by activations. The "
        "program team and executives see it either way.",
    )
    executive_summary_frequency = SelectField(
        "Executive summary e-mail",
        choices=[
            SelectChoice("monthly", "Monthly (the last calendar month)"),
            SelectChoice("weekly", "Weekly (the last week, Monday to Sunday)"),
            SelectChoice("off", "Off"),
        ],
        description="Each executive gets the program's headline figures with their trends.",
    )


@bp.route("/settings", methods=["GET", "POST"])
@require("program.manage")
def settings():
    form = RecognitionSettingsForm(
        data={
            key: get_setting(key)
            for key in (service.LEADERBOARD_SETTING, service.FREQUENCY_SETTING)
        }
    )
    if form.validate_on_submit():
        with committing(show=False, catches=ValidationFailed) as attempt:
            changed = service.update_recognition_settings(
                current_user,
                {
                    service.LEADERBOARD_SETTING: bool(form.leaderboard_enabled.data),
                    service.FREQUENCY_SETTING: form.executive_summary_frequency.data,
                },
            )
        if error := attempt.error:
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            flash(
                f"Saved: {len(changed)} setting(s) changed." if changed else "Nothing changed.",
                "success",
            )
            return redirect(url_for("recognition.settings"))
    status = 422 if form.errors else 200
    return render_template("recognition/settings.html", form=form), status
