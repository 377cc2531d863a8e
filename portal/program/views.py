"""Program settings for administrators: what each completed activity earns."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.auth.permissions import require
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.program import service
from portal.vocab import ACTIVITY_TYPES, label

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


class PointsForm(FlaskForm):
    """One whole-number field per activity type (added below)."""


for _type in ACTIVITY_TYPES:
    setattr(
        PointsForm,
        _type,
        IntegerField(
            label(_type),
            validators=[InputRequired(), NumberRange(min=0, max=service.POINTS_MAX)],
        ),
    )


@bp.route("/points", methods=["GET", "POST"])
@require("users.manage")
def points():
    form = PointsForm(data=service.get_setting("points_by_activity"))
    if form.validate_on_submit():
        try:
            changed = service.update_points_by_activity(
                current_user, {t: form[t].data for t in ACTIVITY_TYPES}
            )
        except ValidationFailed as error:
            db.session.rollback()
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            db.session.commit()
            flash(
                f"Saved: {len(changed)} activity type(s) changed."
                if changed
                else "Nothing changed.",
                "success",
            )
            return redirect(url_for("settings.points"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/points.html", form=form, types=ACTIVITY_TYPES, defaults=service.DEFAULTS
    ), status
