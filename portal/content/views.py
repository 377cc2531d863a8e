"""The content library for requesters, CSMs and the program team (blueprint `content`):
search with facets, an asset's page, "for this opportunity" suggestions, and logged uses."""

from __future__ import annotations

import contextlib

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import committing
from portal.content import storage
from portal.content.assets import get_asset
from portal.content.files import FileUnavailable, open_file
from portal.content.forms import UseForm
from portal.content.pages import attachment, render_search
from portal.content.suggestions import (
    SUGGESTIONS_PAGE,
    opportunity_terms,
    suggestions,
)
from portal.content.uses import UseStats, log_use, own_opportunities, request_for, use_stats
from portal.forms import show_service_errors
from portal.http_security import allow_form_redirect

bp = Blueprint("content", __name__, url_prefix="/content")


def _asset(asset_id: int):
    return get_asset(current_user, asset_id)


def _opportunities() -> dict:
    """Beside the results: the viewer's latest requests that name an opportunity."""
    return {"opportunities": own_opportunities(current_user, limit=5)}


@bp.get("/")
@require("content.browse")
def index():
    return render_search("content/library.html", managers=False, per_page=20, extra=_opportunities)


def _use_form(asset, form=None, status=200, copy=False):
    form = form or UseForm(formdata=None)
    form.set_requests(own_opportunities(current_user))
    stats = use_stats([asset.id]).get(asset.id, UseStats())
    if asset.url:
        allow_form_redirect(asset.url)  # "Open the link" logs the use, then redirects there
    return render_template(
        "content/detail.html", asset=asset, form=form, stats=stats, copy=copy
    ), status


@bp.get("/<int:asset_id>")
@require("content.browse")
def detail(asset_id: int):
    asset = _asset(asset_id)
    form = UseForm(formdata=None)
    chosen = request.args.get("request_id", type=int)
    if chosen:
        form.request_id.data = str(chosen)
    return _use_form(asset, form, copy=request.args.get("copy") == "1")


@bp.post("/<int:asset_id>/use")
@require("content.browse")
def use(asset_id: int):
    """Log the use, then open the link or send the file (never shown inline)."""
    asset = _asset(asset_id)
    form = UseForm()
    if not form.validate_on_submit():
        return _use_form(asset, form, status=422)
    action = request.form.get("action", "")
    opened: list[storage.StoredFile] = []
    with _closed_on_error(opened), committing(show=False) as attempt:
        logged = log_use(current_user, asset.id, form.to_data(action))
        # Opened before the use commits: a download that can't happen is not a use.
        stored = open_file(asset) if logged.action == "download" else None
        opened.extend([stored] if stored is not None else [])
    if isinstance(error := attempt.error, FileUnavailable):
        flash(error.message, "error")
        return redirect(url_for("content.detail", asset_id=asset.id))
    if error:
        if error.status != 422:
            flash(error.message, "error")
            return redirect(url_for("content.index"))
        show_service_errors(form, error, fallback="request_id")
        return _use_form(_asset(asset_id), form, status=422)
    if logged.action == "open_link":
        return redirect(asset.url)
    if logged.action == "copy_link":
        flash("Use logged: copy the link below.", "success")
        return redirect(url_for("content.detail", asset_id=asset.id, copy=1))
    return attachment(asset, stored)


@contextlib.contextmanager
def _closed_on_error(opened: list[storage.StoredFile]):
    """Close the files opened in the block if it fails, the commit at its end included (an
    open file would otherwise hold a connection)."""
    try:
        yield
    except BaseException:
        for stored in opened:
            stored.stream.close()
        raise


@bp.get("/for-request/<int:request_id>")
@require("content.browse")
def for_request(request_id: int):
    found = request_for(current_user, request_id)
    suggested = suggestions(found, limit=SUGGESTIONS_PAGE)
    return render_template(
        "content/for_request.html",
        found=found,
        suggested=suggested,
        terms=sorted(opportunity_terms(found)),
        stats=use_stats(a.id for a, _ in suggested),
    )
