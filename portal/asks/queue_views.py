"""The request queue's own routes, on the queue blueprint of `staff_views`: bulk actions on the
ticked requests, and each manager's saved filters (save, use, delete)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.asks import queue
from portal.asks.pages import render_queue
from portal.asks.staff_views import bp
from portal.auth.models import User
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters


def _back(form) -> dict:
    """The queue's filters and page the form was sent from, to go back to them."""
    args = ListFilters(form)
    back = queue.filter_args(queue.read_filters(args))
    number = args.page()
    return dict(back, page=number) if number > 1 else back


def _refused_page(error: DomainError, field: str):
    """The queue again with the form's errors: nothing was written."""
    if error.status in (403, 404):
        abort(error.status)
    return render_queue(request.form, errors=error.fields or {field: error.message}, status=422)


def _done_words(action: str, count: int) -> str:
    requests = f"{count} request{'' if count == 1 else 's'}"
    if action == "reject":
        return f"Rejected {requests}; each requester sees why on their request."
    if action == "assign_me":
        return f"Assigned {requests} to you."
    manager = db.session.get(User, int(request.form["manager_id"]))
    return f"Assigned {requests} to {manager.name}."


@bp.post("/queue/bulk")
@require("program.manage")
def bulk():
    action = request.form.get("action", "")
    with committing(show=False) as attempt:
        done = queue.bulk_update(
            current_user,
            request.form.getlist("request_id"),
            action,
            manager_id=request.form.get("manager_id"),
            reason=request.form.get("reason"),
        )
    if isinstance(error := attempt.error, queue.BulkRefused):
        return render_queue(request.form, refused=error.refused, status=409)
    if error:
        return _refused_page(error, "action")
    flash(_done_words(action, len(done)), "success")
    return redirect(url_for("queue.index", **_back(request.form)))


@bp.post("/queue/filters")
@require("program.manage")
def save_filter():
    with committing(show=False) as attempt:
        saved = queue.save_filter(current_user, request.form.get("name", ""), request.form)
    if error := attempt.error:
        return _refused_page(error, "name")
    flash(f"Saved the filter “{saved.name}”: it is one click away above the queue.", "success")
    return redirect(url_for("queue.index", **queue.saved_query(saved)))


def _saved_or_404(filter_id: int):
    try:
        return queue.get_saved_filter(current_user, filter_id)
    except DomainError as error:
        abort(error.status)


@bp.get("/queue/filters/<int:filter_id>")
@require("program.manage")
def use_filter(filter_id: int):
    saved = _saved_or_404(filter_id)
    return redirect(url_for("queue.index", **queue.saved_query(saved)))


@bp.post("/queue/filters/<int:filter_id>/delete")
@require("program.manage")
def delete_filter(filter_id: int):
    saved = _saved_or_404(filter_id)
    name = saved.name
    with committing(raises=DomainError):
        queue.delete_saved_filter(current_user, saved)
    flash(f"Deleted the saved filter “{name}”.", "success")
    return redirect(url_for("queue.index", **_back(request.form)))
