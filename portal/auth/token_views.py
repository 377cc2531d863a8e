"""API tokens: everyone manages their own (name, scope, expiry, last use); admins revoke any."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.auth import service
from portal.auth.permissions import require
from portal.boundary import committing
from portal.database import now_utc
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import current_page
from portal.urls import is_safe_next

bp = Blueprint("tokens", __name__, url_prefix="/auth/tokens")
admin_bp = Blueprint("tokens_admin", __name__, url_prefix="/admin/tokens")

EXPIRIES = {"30": 30, "90": 90, "365": 365, "never": None}


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="What uses it, e.g. “CRM sync”.",
    )
    scope = SelectField(
        "Access",
        choices=[
            SelectChoice("read", "Read only"),
            SelectChoice("read_write", "Read and write"),
        ],
        default="read",
    )
    expires = SelectField(
        "Expires",
        choices=[
            SelectChoice("30", "In 30 days"),
            SelectChoice("90", "In 90 days"),
            SelectChoice("365", "In a year"),
            SelectChoice("never", "Never"),
        ],
        default="90",
    )
    submit = SubmitField("Create token")


def _status(token) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now_utc():
        return "expired"
    return "active"


@bp.route("/", methods=["GET", "POST"])
@require("tokens.own")
def index():
    form = NewTokenForm()
    plain = None
    status = 200
    if form.validate_on_submit():
        days = EXPIRIES.get(form.expires.data)
        expires_at = now_utc() + dt.timedelta(days=days) if days else None
        with committing(form=form) as attempt:
            _, plain = service.create_api_token(
                current_user,
                current_user,
                name=form.name.data.strip(),
                scope=form.scope.data,
                expires_at=expires_at,
            )
        if not attempt.refused:
            form = NewTokenForm(formdata=None)
    if form.errors:
        status = 422
    tokens = db.session.scalars(service.tokens_query(current_user)).all()
    return (
        render_template(
            "auth/tokens.html", form=form, tokens=tokens, plain=plain, status_of=_status
        ),
        status,
    )


@bp.post("/<int:token_id>/revoke")
@require("tokens.own")
def revoke(token_id: int):
    with committing(raises=DomainError):
        token = service.revoke_api_token(current_user, token_id)
    flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("tokens.index"))


@admin_bp.get("/")
@require("tokens.manage")
def index_all():
    page = db.paginate(
        service.tokens_query(current_user, everyone=True),
        page=current_page(),
        per_page=50,
        error_out=False,
    )
    return render_template("auth/tokens_admin.html", page=page, status_of=_status)
