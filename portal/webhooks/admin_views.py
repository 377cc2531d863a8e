"""Admin pages: webhook endpoints, their secret (revealed on request, audited) and every
delivery attempt with its status and a short snippet of the answer."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import current_page
from portal.webhooks import service
from portal.webhooks.forms import WebhookForm
from portal.webhooks.models import WEBHOOK_EVENTS

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


@bp.get("/")
@require("webhooks.manage")
def index():
    endpoints = db.session.scalars(service.endpoints_query(current_user)).all()
    return render_template(
        "webhooks/index.html",
        endpoints=endpoints,
        last_deliveries=service.last_deliveries(endpoints),
        events=WEBHOOK_EVENTS,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("webhooks.manage")
def new():
    form = WebhookForm()
    if form.validate_on_submit():
        data = form.to_data(creating=True)
        endpoint = commit_or_show(service.create_endpoint, current_user, data, form=form)
        if endpoint is not REFUSED:
            flash(
                "Webhook endpoint added. Reveal its signing secret and copy it to the receiver.",
                "success",
            )
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    status = 422 if form.errors else 200
    return render_template("webhooks/form.html", form=form, endpoint=None), status


def _show(endpoint, secret: str | None = None):
    page = db.paginate(
        service.deliveries_query(current_user, endpoint),
        page=current_page(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "webhooks/show.html", endpoint=endpoint, page=page, events=WEBHOOK_EVENTS, secret=secret
    )


@bp.get("/<int:endpoint_id>")
@require("webhooks.manage")
def show(endpoint_id: int):
    return _show(service.get_endpoint(current_user, endpoint_id))


@bp.post("/<int:endpoint_id>/secret/reveal")
@require("webhooks.manage")
def reveal(endpoint_id: int):
    """Show the signing secret once, on this answer only (never in a URL); audited."""
    endpoint = service.get_endpoint(current_user, endpoint_id)
    with committing(raises=DomainError):
        secret = service.reveal_secret(current_user, endpoint)
    response = make_response(_show(endpoint, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@require("webhooks.manage")
def edit(endpoint_id: int):
    endpoint = service.get_endpoint(current_user, endpoint_id)
    form = WebhookForm(obj=endpoint if request.method == "GET" else None)
    if request.method == "GET":
        form.secret.data = ""
    if form.validate_on_submit():
        data = form.to_data(creating=False)
        saved = commit_or_show(service.update_endpoint, current_user, endpoint, data, form=form)
        if saved is not REFUSED:
            flash("Webhook endpoint saved.", "success")
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    status = 422 if form.errors else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


@bp.post("/<int:endpoint_id>/secret")
@require("webhooks.manage")
def rotate(endpoint_id: int):
    endpoint = service.get_endpoint(current_user, endpoint_id)
    with committing(raises=DomainError):
        service.rotate_secret(current_user, endpoint)
    flash("A new signing secret is in use: reveal it and give it to the receiver.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/delete")
@require("webhooks.manage")
def delete(endpoint_id: int):
    endpoint = service.get_endpoint(current_user, endpoint_id)
    with committing(raises=DomainError):
        service.delete_endpoint(current_user, endpoint)
    flash("Webhook endpoint deleted.", "success")
    return redirect(url_for("webhooks.index"))
