"""Program settings for administrators: what each completed activity earns."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.auth import mfa
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
        ended = mfa.set_require_mfa_for_staff(current_user, form.require_mfa_for_staff.data)
        db.session.commit()
        flash(f"Saved. {ended} session(s) of people who must enrol first ended.", "success")
        return redirect(url_for("settings.security"))
    return render_template("admin/security.html", form=form)
