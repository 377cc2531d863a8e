"""The reference team's pages: the request queue, a request with its matches, asks, calendar."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.staff_views import term_labeller
from portal.advocates.models import Advocate
from portal.asks import asks, completion, matching, placing, queue, request_queries, requests
from portal.asks.forms import RATING_CHOICES, outcome_choices
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.queue import VIEWS
from portal.auth.models import User
from portal.auth.permissions import PROGRAM, can, require
from portal.boundary import committing
from portal.content.views import stories_for
from portal.database import parse_id
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters
from portal.templating import viewer_zone
from portal.vocab import ACTIVITY_TYPES

bp = Blueprint("queue", __name__, url_prefix="/program")
calendar_bp = Blueprint("calendar", __name__, url_prefix="/program/calendar")


MATCH_LIMIT = 20


def request_or_404(request_id: int) -> ReferenceRequest:
    """The request as of now (expiry): a page read (GET) shows it so and writes nothing, the
    expire-asks job saves it; before a change it is saved first, whatever becomes of the
    change."""
    found = requests.get_request(current_user, request_id)
    if request.method == "GET":
        requests.show_request_expiry(found)
    else:
        with committing(raises=DomainError):
            requests.refresh_request(found)
    return found


def ask_or_404(ask_id: int) -> Ask:
    ask = asks.get_ask(current_user, ask_id)
    if can(current_user, "advocate.self"):  # an advocate reads their asks on their own pages
        abort(404)
    return ask


def parse_local_datetime(value: str | None) -> dt.datetime | None:
    """A datetime-local input ('2026-12-01T15:30') in the viewer's zone, as UTC."""
    try:
        local = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=viewer_zone())
    return local.astimezone(dt.UTC)


def parse_local_date_end(value: str | None) -> dt.datetime | None:
    """A date input as the end of that day in the viewer's zone."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    end = dt.datetime.combine(day, dt.time(23, 59), viewer_zone())
    return end.astimezone(dt.UTC)


def managers() -> list[User]:
    return db.session.scalars(
        sa.select(User).where(User.role.in_(PROGRAM), User.active.is_(True)).order_by(User.name)
    ).all()


@bp.get("/queue")
@require("program.manage")
def index():
    return render_queue(request.args)


def render_queue(source, *, errors: dict | None = None, refused=None, status: int = 200):
    """The queue for the filters in `source` (the query string, or a form sent from the page:
    bulk actions and saved filters), with that form's errors or refusals when it comes back."""
    args = ListFilters(source)
    filters = queue.read_filters(args)
    number = args.page()
    args.announce()
    page = db.paginate(
        queue.queue_query(current_user, filters).options(*request_queries.list_loads()),
        page=number,
        per_page=25,
        error_out=False,
    )
    counts = {
        name: db.session.scalar(
            sa.select(sa.func.count()).select_from(
                request_queries.requests_query(current_user, {"view": name})
                .order_by(None)
                .subquery()
            )
        )
        for name in ("new", "due_soon", "overdue", "assigned")
    }
    filtered = queue.filter_args(filters)
    saved = [(found, queue.saved_query(found)) for found in queue.saved_filters(current_user)]
    return (
        render_template(
            "asks/staff/queue.html",
            page=page,
            view=filters["view"],
            views=VIEWS,
            counts=counts,
            q=filters["q"],
            activity_type=filters["activity_type"],
            activity_types=ACTIVITY_TYPES,
            filtered=filtered,
            return_args=dict(filtered, page=number) if number > 1 else filtered,
            saved=saved,
            saved_max=queue.SAVED_FILTERS_MAX,
            managers=managers(),
            errors=errors or {},
            refused=refused or [],
            form=source if status != 200 else {},
            ticked=source.getlist("request_id") if status != 200 else [],
            today=dt.date.today(),
        ),
        status,
    )


def render_request(found: ReferenceRequest, errors: dict | None = None, status: int = 200):
    result = (
        matching.match(found, MATCH_LIMIT)
        if found.status in requests.OPEN_REQUEST_STATUSES
        else None
    )
    return (
        render_template(
            "asks/staff/request.html",
            req=found,
            result=result,
            timeline=request_queries.request_timeline(found),
            managers=managers(),
            errors=errors or {},
            form=request.form,
            outcomes=outcome_choices(),
            ratings=RATING_CHOICES,
            default_respond_by=dt.date.today() + dt.timedelta(days=5),
            term=term_labeller(),
            stories=stories_for(found),
        ),
        status,
    )


@bp.get("/requests/<int:request_id>")
@require("program.manage")
def request_detail(request_id: int):
    return render_request(request_or_404(request_id))


def act_on_request(found: ReferenceRequest, action, success: str, anchor: str, endpoint, render):
    """Run a service call from a request page (both blueprints): commit and go back to the
    page on success, show it again with the errors if not."""
    with committing(show=False) as attempt:
        action()
    if error := attempt.error:
        if error.status in (403, 404):
            abort(error.status)
        fields = error.fields or {"action": error.message}
        return render(db.session.get(ReferenceRequest, found.id), fields, 422)
    flash(success, "success")
    return redirect(url_for(endpoint, request_id=found.id) + anchor)


def _act(found: ReferenceRequest, action, success: str, anchor: str = ""):
    return act_on_request(found, action, success, anchor, "queue.request_detail", render_request)


@bp.post("/requests/<int:request_id>/assign")
@require("program.manage")
def assign(request_id: int):
    found = request_or_404(request_id)
    raw = request.form.get("manager_id", "")
    manager_id = parse_id(raw)
    manager = db.session.get(User, manager_id) if manager_id is not None else None
    if raw and manager is None:
        return render_request(found, {"manager_id": "Choose a reference manager."}, 422)
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
    body = request.form.get("body", "")
    return _act(
        found,
        lambda: requests.comment_on_request(current_user, found, body),
        "Comment added; the requester sees it on the request.",
        "#comments",
    )


@bp.post("/requests/<int:request_id>/outcome")
@require("program.manage")
def outcome(request_id: int):
    found = request_or_404(request_id)
    amount = request.form.get("opportunity_amount")
    return _act(
        found,
        lambda: requests.record_outcome(
            current_user, found, request.form.get("opportunity_outcome", ""), amount
        ),
        "Outcome recorded.",
    )


@bp.post("/requests/<int:request_id>/asks")
@require("program.manage")
def place_asks(request_id: int):
    found = request_or_404(request_id)
    return place_selected(found, "queue.request_detail", render_request)


def place_selected(found: ReferenceRequest, endpoint: str, render):
    """Place asks to the advocates ticked on a match list (pages of both blueprints)."""
    ids = [i for i in map(parse_id, request.form.getlist("advocate_id")) if i is not None]
    if not ids:
        return render(found, {"advocate_id": "Tick at least one advocate."}, 422)
    respond_by = None
    if request.form.get("respond_by"):
        respond_by = parse_local_date_end(request.form["respond_by"])
        if respond_by is None:
            return render(found, {"respond_by": "Use a date like 2026-12-31."}, 422)
    advocates = db.session.scalars(sa.select(Advocate).where(Advocate.id.in_(ids))).all()
    with committing(show=False) as attempt:
        placing.check_offered(current_user, found, ids)  # self-service: offered matches only
        placed, refused = placing.place_asks(
            current_user,
            found,
            advocates,
            respond_by=respond_by,
            personal_note=request.form.get("personal_note"),
        )
        if not placed:
            attempt.discard()
    if error := attempt.error:
        if error.status in (403, 404):
            abort(error.status)
        return render(
            db.session.get(ReferenceRequest, found.id),
            dict(error.fields) or {"advocate_id": error.message},
            422,
        )
    if not placed:
        for name, why in refused.items():
            flash(refusal_words(name, why), "error")
        # Post/redirect/get: back to the matches, never left on the POST URL.
        return redirect(url_for(endpoint, request_id=found.id) + "#matches")
    names = ", ".join(ask.advocate.name for ask in placed)
    flash(f"Asked {names}; they have an e-mail with one-click answers.", "success")
    for name, why in refused.items():
        flash(f"Not asked: {refusal_words(name, why)}", "warning")
    return redirect(url_for(endpoint, request_id=found.id) + "#asks")


def refusal_words(name: str, why: str) -> str:
    """Why an advocate was not asked, naming them once: most refusals start with the name."""
    if why.startswith(name):
        return why
    return f"{name} can't be asked: {why}"


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
        return render_request(ask.request, {f"scheduled_at-{ask.id}": "Give a date and time."}, 422)

    def run():
        try:
            completion.schedule_ask(current_user, ask, when)
        except DomainError as error:
            error.fields = {f"{k}-{ask.id}": v for k, v in error.fields.items()}
            raise

    return _act(ask.request, run, f"Scheduled with {ask.advocate.name}.", "#asks")


@bp.post("/asks/<int:ask_id>/complete")
@require("program.manage")
def complete(ask_id: int):
    ask = ask_or_404(ask_id)

    def run():
        try:
            completion.complete_ask(
                current_user, ask, request.form.get("rating") or None, request.form.get("feedback")
            )
        except DomainError as error:
            error.fields = {f"{k}-{ask.id}": v for k, v in error.fields.items()}
            raise

    return _act(ask.request, run, f"Completed; {ask.advocate.name} earned their points.", "#asks")


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
    by_week: dict[dt.date, list[Ask]] = {start + dt.timedelta(weeks=n): [] for n in range(weeks)}
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


from portal.asks import queue_views  # noqa: E402,F401 (its routes, on this blueprint)
