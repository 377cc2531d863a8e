"""Custom fields settings pages for administrators: list, add, change, retire and restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.forms import show_service_errors
from portal.program import custom_fields, taxonomy
from portal.program.custom_field_forms import TYPE_LABELS, CustomFieldForm
from portal.program.models import CustomField

bp = Blueprint("custom_fields", __name__, url_prefix="/admin/settings/custom-fields")


def _field_or_404(field_id: int) -> CustomField:
    return custom_fields.get_field(current_user, field_id)


def _kind_labels() -> dict[str, str]:
    return {kind.key: kind.label for kind in taxonomy.kinds()}


@bp.get("/")
@require("users.manage")
def index():
    fields = custom_fields.definitions()
    return render_template(
        "admin/custom_fields.html",
        groups=[
            ("account", "Accounts", [f for f in fields if f.entity == "account"]),
            ("advocate", "Advocates", [f for f in fields if f.entity == "advocate"]),
        ],
        types=TYPE_LABELS,
        kinds=_kind_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("users.manage")
def create():
    form = CustomFieldForm(kinds=taxonomy.kinds(active_only=True))
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            field = custom_fields.add_field(current_user, form.to_data())
        if error := attempt.error:
            show_service_errors(form, error, fallback="label")
        else:
            flash(f"Field {field.label} added to {field.entity}s.", "success")
            return redirect(url_for("custom_fields.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/custom_field_form.html", form=form, field=None), status


@bp.route("/<int:field_id>", methods=["GET", "POST"])
@require("users.manage")
def edit(field_id: int):
    field = _field_or_404(field_id)
    form = CustomFieldForm(obj=field, field=field)
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            changed = custom_fields.update_field(current_user, field, form.to_data())
        if error := attempt.error:
            show_service_errors(form, error, fallback="label")
        else:
            flash("Field saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("custom_fields.index"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/custom_field_form.html",
        form=form,
        field=field,
        types=TYPE_LABELS,
        kinds=_kind_labels(),
    ), status


@bp.post("/<int:field_id>/retire")
@require("users.manage")
def retire(field_id: int):
    return _set_active(
        field_id, False, "{} retired: it left the forms; stored values stay readable."
    )


@bp.post("/<int:field_id>/restore")
@require("users.manage")
def restore(field_id: int):
    return _set_active(field_id, True, "{} is back on the forms.")


def _set_active(field_id: int, active: bool, done_message: str):
    """Take the field off the forms or put it back; `done_message` gets the field's label."""
    field = _field_or_404(field_id)
    done = commit_or_show(custom_fields.update_field, current_user, field, {"active": active})
    if done is not REFUSED:
        flash(done_message.format(field.label), "success")
    return redirect(url_for("custom_fields.index"))
