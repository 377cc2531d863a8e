"""User administration: list, invite, change role, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth import service, sso
from portal.auth.forms import EditUserForm, InviteUserForm
from portal.auth.models import User
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.vocab import ROLES

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.get("/")
@require("users.manage")
def index():
    args = ListFilters(request.args)
    q = args.text("q")
    role = args.choice("role", ROLES)
    args.announce()
    query = service.users_query(current_user, q=q, role=role)
    page = db.paginate(query, page=current_page(), per_page=25, error_out=False)
    awaiting = sso.awaiting_role_ids([user.id for user in page.items])
    return render_template(
        "admin/users.html", page=page, q=q, role=role, roles=ROLES, awaiting=awaiting
    )


@bp.route("/new", methods=["GET", "POST"])
@require("users.manage")
def invite():
    form = InviteUserForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            user = service.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                team=form.team.data or None,
            )
        if error := attempt.error:
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("users.index"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@require("users.manage")
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            service.update_user(
                current_user,
                user,
                role=form.role.data,
                team=form.team.data or None,
                active=form.active.data,
            )
        if error := attempt.error:
            for name, message in error.fields.items():
                form[name].errors.append(message)
        else:
            flash("Saved.", "success")
            return redirect(url_for("users.index"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.post("/<int:user_id>/invitation")
@require("users.manage")
def resend_invitation(user_id: int):
    user = db.get_or_404(User, user_id)
    if not user.awaiting_first_sign_in:
        flash(f"{user.email} already signs in: there is nothing to invite them to.", "info")
        return redirect(url_for("users.index"))
    with committing(raises=DomainError):
        service.send_invitation(current_user, user)
    flash(f"A new invitation is on its way to {user.email}.", "success")
    return redirect(url_for("users.index"))
