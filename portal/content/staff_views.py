"""The program team's library pages (blueprint `content_admin`): every asset by approval,
approvals about to lapse, unused assets, adding and editing with uploads, retiring."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show
from portal.content.approval import expiring_query, lapsed_count, today
from portal.content.assets import create_asset, retire_asset, update_asset
from portal.content.files import open_file, read_upload
from portal.content.forms import ContentForm
from portal.content.models import ContentAsset
from portal.content.pages import attachment, render_search
from portal.content.uses import unused_query
from portal.extensions import db
from portal.filters import current_page
from portal.http_security import accepts_uploads

bp = Blueprint("content_admin", __name__, url_prefix="/program/content")


def _asset(asset_id: int) -> ContentAsset:
    asset = db.session.get(ContentAsset, asset_id)
    if asset is None:
        abort(404)
    return asset


def _approvals() -> dict:
    """Beside the results: the approvals about to lapse and how many have."""
    return {
        "expiring": db.session.scalars(expiring_query().limit(20)).all(),
        "lapsed": lapsed_count(),
        "today": today(),
    }


@bp.get("/")
@require("content.manage")
def index():
    return render_search("content/staff/index.html", managers=True, per_page=25, extra=_approvals)


@bp.get("/unused")
@require("content.manage")
def unused():
    page = db.paginate(
        unused_query(),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    return render_template("content/staff/unused.html", page=page)


def _form_page(form, asset=None, status=200):
    return render_template("content/staff/form.html", form=form, asset=asset), status


def _upload():
    return read_upload(request.files.get("file"))


@bp.route("/new", methods=["GET", "POST"])
@accepts_uploads
@require("content.manage")
def new():
    form = ContentForm()
    if form.validate_on_submit():
        # Reading the upload is part of the change: a refused file shows next to its field.
        asset = commit_or_show(
            lambda: create_asset(current_user, form.to_data(), _upload()), form=form
        )
        if asset is not REFUSED:
            flash(f"{asset.title} is in the library.", "success")
            return redirect(url_for("content_admin.index"))
    return _form_page(form, status=422 if form.is_submitted() else 200)


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@accepts_uploads
@require("content.manage")
def edit(asset_id: int):
    asset = _asset(asset_id)
    if request.method == "GET":
        form = ContentForm(obj=asset)  # the account and advocate fields show their names
        form.use_limit.data = "" if asset.use_limit is None else str(asset.use_limit)
        for name in ("approved_on", "approved_until"):
            value = getattr(asset, name)
            form[name].data = value.isoformat() if value else None
        form.regions.data = asset.regions or []
    else:
        form = ContentForm()
    if form.validate_on_submit():
        saved = commit_or_show(
            lambda: update_asset(current_user, asset, form.to_data(), _upload()), form=form
        )
        if saved is REFUSED:
            asset = _asset(asset_id)
        else:
            flash("Saved.", "success")
            return redirect(url_for("content_admin.index"))
    return _form_page(form, asset, status=422 if form.is_submitted() else 200)


@bp.post("/<int:asset_id>/retire")
@require("content.manage")
def retire(asset_id: int):
    asset = _asset(asset_id)
    if commit_or_show(retire_asset, current_user, asset) is not REFUSED:
        flash(f"{asset.title} is retired: requesters no longer see it.", "success")
    return redirect(url_for("content_admin.index"))


@bp.get("/<int:asset_id>/file")
@require("content.manage")
def file(asset_id: int):
    """The program team's own look at a file (not a use): always a download.

    No file, or a file gone from storage: 404; storage down: 503 (the error page says which).
    """
    asset = _asset(asset_id)
    return attachment(asset, open_file(asset))
