"""The work-in-progress page, and the forms that share an activity with another request."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.asks import requests
from portal.asks.models import ReferenceRequest
from portal.auth.permissions import can, require
from portal.boundary import committing
from portal.errors import NotFound
from portal.filters import ListFilters
from portal.vocab import ACTIVITY_TYPES, TEAMS
from portal.work import progress, sharing, visibility
from portal.work.forms import JoinForm, ShareForm, first_error

bp = Blueprint("work", __name__, url_prefix="/work")


@bp.get("/")
@require("work.view")
def index():
    args = ListFilters(request.args)
    filters = progress.Filters.read(args)
    page = args.page()
    args.announce({"account_id": "account", "activity_type": "activity"})
    result = progress.work_in_progress(current_user, filters, page=page)
    return render_template(
        "work/index.html",
        page=result,
        filters=filters,
        joinable=sharing.joinable_requests(current_user),
        program=visibility.sees_everything(current_user),
        statuses=progress.STATUS_LABELS,
        teams=TEAMS,
        activity_types=ACTIVITY_TYPES,
        join_form=JoinForm(),
    )


def _refused(message: str, target: str):
    flash(message, "error")
    return redirect(target)


def _done(success: str, target: str):
    flash(success, "success")
    return redirect(target)


@bp.post("/asks/<int:ask_id>/join")
@require("requests.create")
def join(ask_id: int):
    """A requester joins one of their own open requests to an activity their team works on."""
    ask = sharing.get_ask_for_share(ask_id)
    if ask is None:
        abort(404)
    form = JoinForm()
    target = url_for("work.index", **request.args)
    if not form.validate_on_submit():
        return _refused(first_error(form), target)
    with committing(raises=NotFound) as attempt:  # the refusal as a flash message
        share = sharing.join_activity(current_user, form.request_id.data, ask)
    if attempt.refused:
        return redirect(target)
    return _done(
        "Your request joins this activity; the reference team is told.",
        url_for("requests.detail", request_id=share.request_id) + "#shared",
    )


@bp.post("/requests/<int:request_id>/shared-asks")
@require("program.manage")
def share(request_id: int):
    """The program team serves a request with an activity already planned."""
    found = requests.get_request(current_user, request_id)
    form = ShareForm()
    target = url_for("queue.request_detail", request_id=found.id) + "#shared"
    if not form.validate_on_submit():
        return _refused(first_error(form), target)
    with committing() as attempt:  # the refusal as a flash message
        sharing.share_ask(
            current_user, found, sharing.get_ask_for_share(form.ask_id.data), form.note.data
        )
    if attempt.refused:
        return redirect(target)
    return _done("The activity now serves this request too.", target)


@bp.app_template_global("work_shared")
def work_shared(req: ReferenceRequest) -> dict:
    """What a request page's "Shared activities" part shows (templates/work/_shared.html)."""
    shares = sharing.shares_of(req)
    rows = [
        {
            "activity_type": s.ask.request.activity_type,
            "account_name": s.ask.advocate.account.name,
            "advocate": visibility.advocate_shown(current_user, s.ask),
            "status": progress.ask_status(s.ask),
            "status_label": progress.STATUS_LABELS.get(progress.ask_status(s.ask), ""),
            "scheduled_at": s.ask.scheduled_at,
            "completed_at": s.ask.completed_at,
            "note": s.note,
        }
        for s in shares
    ]
    manage = can(current_user, "program.manage")
    open_request = req.status in sharing.JOINABLE_REQUESTS
    candidates = sharing.share_candidates(req) if manage and open_request else []
    return {
        "rows": rows,
        "manage": manage and open_request,
        "candidates": candidates,
        "status_of": progress.ask_status,
        "form": ShareForm(formdata=None) if manage else None,
    }
