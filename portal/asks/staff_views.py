"""The reference team's pages: the request queue, a request with its matches, asks, calendar."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.asks import asks, completion, requests
from portal.asks.models import ReferenceRequest
from portal.asks.pages import (
    STAFF_PAGE,
    act_on_ask,
    act_on_request,
    ask_or_404,
    comment_on,
    parse_local_datetime,
    place_selected,
    record_outcome_on,
    render_queue,
    render_staff_request,
    request_or_404,
)
from portal.auth.models import User
from portal.auth.permissions import require
from portal.database import parse_id
from portal.extensions import db
from portal.filters import ListFilters
from portal.templating import viewer_zone

bp = Blueprint("queue", __name__, url_prefix="/program")
calendar_bp = Blueprint("calendar", __name__, url_prefix="/program/calendar")


@bp.get("/queue")
@require("program.manage")
def index():
    return render_queue(request.args)


@bp.get("/requests/<int:request_id>")
@require("program.manage")
def request_detail(request_id: int):
    return render_staff_request(request_or_404(request_id))


def _act(found: ReferenceRequest, action, success: str, anchor: str = ""):
    return act_on_request(found, action, success, anchor, *STAFF_PAGE)


@bp.post("/requests/<int:request_id>/assign")
@require("program.manage")
def assign(request_id: int):
    found = request_or_404(request_id)
    raw = request.form.get("manager_id", "")
    manager_id = parse_id(raw)
    manager = db.session.get(User, manager_id) if manager_id is not None else None
    if raw and manager is None:
        return render_staff_request(found, {"manager_id": "Choose a reference manager."}, 422)
    return _act(found, lambda: requests.assign_request(current_user, found, manager), "Assigned.")


@bp.post("/requests/<int:request_id>/reject")
@require("program.manage")
def reject(request_id: int):
    found = request_or_404(request_id)
    reason = request.form.get("reason", "")
    return _act(
        found, lambda: requests.reject_request(current_user, found, reason), "Request rejected."
    )


@bp.post("/requests/<int:request_id>/comments")
@require("program.manage")
def comment(request_id: int):
    found = request_or_404(request_id)
    return comment_on(found, "Comment added; the requester sees it on the request.", STAFF_PAGE)


@bp.post("/requests/<int:request_id>/outcome")
@require("program.manage")
def outcome(request_id: int):
    return record_outcome_on(request_or_404(request_id), "Outcome recorded.", STAFF_PAGE)


@bp.post("/requests/<int:request_id>/asks")
@require("program.manage")
def place_asks(request_id: int):
    found = request_or_404(request_id)
    return place_selected(found, *STAFF_PAGE)


@bp.post("/asks/<int:ask_id>/withdraw")
@require("program.manage")
def withdraw(ask_id: int):
    ask = ask_or_404(ask_id)
    reason = request.form.get("reason") or None
    return _act(
        ask.request,
        lambda: asks.withdraw_ask(current_user, ask, reason),
        f"The ask to {ask.advocate.name} was withdrawn.",
        "#asks",
    )


@bp.post("/asks/<int:ask_id>/schedule")
@require("program.manage")
def schedule(ask_id: int):
    ask = ask_or_404(ask_id)
    when = parse_local_datetime(request.form.get("scheduled_at"))
    if when is None:
        return render_staff_request(
            ask.request, {f"scheduled_at-{ask.id}": "Give a date and time."}, 422
        )
    return act_on_ask(
        ask,
        lambda: completion.schedule_ask(current_user, ask, when),
        f"Scheduled with {ask.advocate.name}.",
        "#asks",
        STAFF_PAGE,
    )


@bp.post("/asks/<int:ask_id>/complete")
@require("program.manage")
def complete(ask_id: int):
    ask = ask_or_404(ask_id)
    rating, feedback = request.form.get("rating") or None, request.form.get("feedback")
    return act_on_ask(
        ask,
        lambda: completion.complete_ask(current_user, ask, rating, feedback),
        f"Completed; {ask.advocate.name} earned their points.",
        "#asks",
        STAFF_PAGE,
    )


@calendar_bp.get("/", endpoint="index")
@require("program.manage")
def calendar_index():
    """Scheduled activities of every team, listed by week."""
    args = ListFilters(request.args)
    start = args.date("from") or dt.datetime.now(viewer_zone()).date()
    args.announce()
    start -= dt.timedelta(days=start.weekday())  # Monday
    weeks = 6
    zone = viewer_zone()
    begin = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(start + dt.timedelta(weeks=weeks), dt.time(), zone).astimezone(dt.UTC)
    by_week: dict[dt.date, list] = {start + dt.timedelta(weeks=n): [] for n in range(weeks)}
    for ask in asks.scheduled_asks(begin, end):
        local = ask.scheduled_at.astimezone(zone).date()
        by_week[local - dt.timedelta(days=local.weekday())].append(ask)
    return render_template(
        "asks/staff/calendar.html",
        by_week=by_week,
        start=start,
        previous=start - dt.timedelta(weeks=weeks),
        following=start + dt.timedelta(weeks=weeks),
        total=sum(len(asks) for asks in by_week.values()),
    )
