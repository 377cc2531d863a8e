"""Helpers of the request pages, the requester's (`requests`) and the program team's
(`queue`, `slots`): find what a page shows, render a request or the queue, act on a request,
place the asks ticked on a match list."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.advocates.models import Advocate
from portal.asks import asks, matching, placing, queue, request_queries, requests, slots
from portal.asks import preview as previews
from portal.asks.forms import CRITERIA_FIELDS, RATING_CHOICES, outcome_choices
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.queue import VIEWS
from portal.auth.permissions import can
from portal.boundary import committing
from portal.content.pages import stories_for
from portal.database import parse_id
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters
from portal.i18n import gettext
from portal.program.service import term_labeller
from portal.templating import viewer_zone
from portal.vocab import ACTIVITY_TYPES

STAFF_MATCHES = 20  # the program team's match list
REQUESTER_MATCHES = 10  # a requester's own, where the program lets them ask


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
            managers=requests.assignable_managers(),
            errors=errors or {},
            refused=refused or [],
            form=source if status != 200 else {},
            ticked=source.getlist("request_id") if status != 200 else [],
            today=dt.date.today(),
        ),
        status,
    )


def render_staff_request(found: ReferenceRequest, errors: dict | None = None, status: int = 200):
    """The program team's request page: its matches while it is open, and whom to assign."""
    result = (
        matching.match(found, STAFF_MATCHES)
        if found.status in requests.OPEN_REQUEST_STATUSES
        else None
    )
    managers = requests.assignable_managers()
    page = _request_page("asks/staff/request.html", found, errors, result=result, managers=managers)
    return page, status


def render_requester_request(
    found: ReferenceRequest, errors: dict | None = None, status: int = 200
):
    """The requester's request page: the matches they may ask themselves, where allowed."""
    may_ask = placing.may_place_ask(current_user, found)
    result = None
    if may_ask and found.status in requests.OPEN_REQUEST_STATUSES:
        result = matching.match(found, REQUESTER_MATCHES, near_misses=0)
    page = _request_page("asks/request.html", found, errors, result=result, may_ask=may_ask)
    return page, status


def _request_page(template: str, found: ReferenceRequest, errors: dict | None, **extra) -> str:
    """What both request pages show: the timeline, the forms, the stories for it."""
    return render_template(
        template,
        req=found,
        timeline=request_queries.request_timeline(found),
        errors=errors or {},
        form=request.form,
        outcomes=outcome_choices(),
        ratings=RATING_CHOICES,
        default_respond_by=dt.date.today() + dt.timedelta(days=5),
        term=term_labeller(),
        stories=stories_for(found),
        **extra,
    )


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


# A request page to go back to: its endpoint and how it renders (both blueprints).
STAFF_PAGE = ("queue.request_detail", render_staff_request)
REQUESTER_PAGE = ("requests.detail", render_requester_request)


def act_on_ask(ask: Ask, change, success: str, anchor: str, page, *, fallback: str = ""):
    """Run a service call on one ask from a request page, as `act_on_request`: a refusal's
    fields are named after that ask's own form (`<field>-<ask id>`; `fallback` for a refusal
    that names none)."""

    def run():
        try:
            change()
        except DomainError as error:
            fields = {f"{k}-{ask.id}": v for k, v in error.fields.items()}
            if not fields and fallback:
                fields = {f"{fallback}-{ask.id}": error.message}
            error.fields = fields
            raise

    return act_on_request(ask.request, run, success, anchor, *page)


def comment_on(found: ReferenceRequest, success: str, page):
    """A comment from a request page (both blueprints)."""
    body = request.form.get("body", "")

    def change():
        requests.comment_on_request(current_user, found, body)

    return act_on_request(found, change, success, "#comments", *page)


def record_outcome_on(found: ReferenceRequest, success: str, page):
    """The deal's outcome, recorded from a request page (both blueprints)."""
    outcome = request.form.get("opportunity_outcome", "")
    amount = request.form.get("opportunity_amount")

    def change():
        requests.record_outcome(current_user, found, outcome, amount)

    return act_on_request(found, change, success, "", *page)


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


def offered_times() -> list[str]:
    """The filled-in time fields of the form (three fields; blank ones are left out)."""
    return [value for value in request.form.getlist("starts_at") if value.strip()]


def offer_on_accept(ask: Ask) -> None:
    """The times offered on the accept form, if any, in the advocate's own time zone; a refusal
    is also kept for the form's time fields (`g.slot_error`) before it goes up."""
    times = offered_times()
    if not times:
        return
    try:
        slots.offer_slots(current_user, ask, times, zone=slots.advocate_zone(ask))
    except DomainError as error:
        g.slot_error = error.message
        raise
    flash(
        gettext("Your times went to %(name)s, who picks one.", name=ask.request.requester.name),
        "success",
    )


# The request form's live preview (`preview_views`), and the form's first render ------------------


def preview_values(args) -> dict:
    """The preview's input from a query string: single values and lists."""
    values = {name: args.get(name) for name in ("activity_type", "prospect_company")}
    values["opportunity_stage"] = args.get("opportunity_stage")
    for name in CRITERIA_FIELDS:
        values[name] = args.getlist(name)
    return values


def preview_of_form(form) -> previews.Preview:
    """The preview of the request form as it stands (its first render, or a refused post)."""
    values = {
        "activity_type": form.activity_type.data,
        "prospect_company": form.prospect_company.data,
        "opportunity_stage": form.opportunity_stage.data,
    }
    for name in CRITERIA_FIELDS:
        values[name] = list(form[name].data or [])
    return previews.preview(current_user, values)
