"""The requester's pages: file a request (or keep a draft), follow it, rate the references."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.asks import (
    completion,
    defaults,
    lead_time,
    placing,
    request_queries,
    requests,
)
from portal.asks.forms import RequestForm
from portal.asks.models import ReferenceRequest
from portal.asks.pages import (
    REQUESTER_PAGE,
    act_on_ask,
    act_on_request,
    ask_or_404,
    comment_on,
    place_selected,
    preview_of_form,
    record_outcome_on,
    render_requester_request,
    request_or_404,
)
from portal.auth.permissions import allow_only, require
from portal.boundary import committing
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.opportunities import service as opportunities
from portal.playbook import service as playbook
from portal.vocab import REQUEST_STATUSES

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.get("/")
@require("requests.create")
def index():
    args = ListFilters(request.args)
    status = args.choice("status", REQUEST_STATUSES)
    text = args.text("q")
    args.announce()
    query = request_queries.requests_query(
        current_user, {"status": status, "q": text, "view": "mine"}
    ).options(*request_queries.list_loads())
    page = db.paginate(query, page=current_page(), per_page=25, error_out=False)
    return render_template(
        "asks/index.html",
        page=page,
        status=status,
        q=text,
        statuses=REQUEST_STATUSES,
        filtered=bool(status or text),
    )


def _save(form: RequestForm, found: ReferenceRequest | None):
    """Create or change the request from the form; 'submit' files it, 'draft' keeps it."""
    submit = request.form.get("action") == "submit"
    data = form.to_data()
    if found is None:
        return requests.create_request(current_user, data, submit=submit)
    requests.update_request(current_user, found, data)
    if submit and found.status == "draft":
        requests.submit_request(current_user, found)
    return found


def _link_crm_id(value) -> str | None:
    """A CRM id from a link, or None when it is not one (then it is not filled)."""
    try:
        return opportunities.check_crm_id(value, "opportunity")
    except ValidationFailed:
        return None


def _visible_deal(crm_id: str | None):
    """The opportunity `crm_id` names if the viewer may see it; else None, so the page says
    nothing about whether it exists."""
    if not crm_id:
        return None
    try:
        return opportunities.get(current_user, crm_id)
    except NotFound:
        return None


def _playbook_panel(form: RequestForm, deal) -> dict:
    """The playbook beside the form: the chosen activity's entry, noting a deal's stage."""
    return playbook.request_panel(form.activity_type.data, deal.stage_group if deal else None)


@bp.route("/new", methods=["GET", "POST"])
@require("requests.create")
def create():
    form = RequestForm()
    times = lead_time.lead_times()
    usual = defaults.activity_defaults(lead_time.requester_today(current_user), times)
    if not form.is_submitted():
        form.needed_by.data = dt.date.today() + dt.timedelta(days=14)
        # A CRM button's link: /requests/new?opportunity=<crm id>&activity_type=...
        crm_id = _link_crm_id(request.args.get("opportunity"))
        link_deal = _visible_deal(crm_id)
        form.prefill(request.args, crm_id, link_deal, usual)
        # The prospect's own account, when it is the program's, fills the criteria left empty.
        account = defaults.prospect_account(link_deal, form.prospect_company.data)
        form.fill_empty_criteria(defaults.account_criteria(account))
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            found = _save(form, None)
        if error := attempt.error:
            form.show_errors(error)
        else:
            draft = found.status == "draft"
            flash(
                "Draft saved; submit it when it is ready."
                if draft
                else "Request filed; the reference team will pick it up.",
                "success",
            )
            return redirect(url_for("requests.detail", request_id=found.id))
    status = 422 if form.is_submitted() else 200
    deal = _visible_deal(_link_crm_id(form.opportunity_crm_id.data))
    return render_template(
        "asks/form.html",
        form=form,
        req=None,
        deal=deal,
        lead_times=times,
        activity_defaults=usual,
        preview=preview_of_form(form),
        playbook=_playbook_panel(form, deal),
    ), status


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@require("requests.create")
def edit(request_id: int):
    found = request_or_404(request_id)
    if found.status not in requests.EDITABLE_REQUEST_STATUSES:
        flash(f"This request is {found.status.replace('_', ' ')}; it can't be changed.", "info")
        return redirect(url_for("requests.detail", request_id=found.id))
    form = RequestForm()
    if not form.is_submitted():
        form.fill_from(found)
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            _save(form, found)
        if error := attempt.error:
            if error.status in (403, 404):
                abort(error.status)
            form.show_errors(error)
        else:
            flash("Request saved.", "success")
            return redirect(url_for("requests.detail", request_id=found.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "asks/form.html",
        form=form,
        req=found,
        lead_times=lead_time.lead_times(),
        preview=preview_of_form(form),
        playbook=_playbook_panel(form, _visible_deal(_link_crm_id(form.opportunity_crm_id.data))),
    ), status


@bp.get("/<int:request_id>")
@require("requests.create")
def detail(request_id: int):
    return render_requester_request(request_or_404(request_id))


def _act(found: ReferenceRequest, action, success: str, anchor: str = ""):
    return act_on_request(found, action, success, anchor, *REQUESTER_PAGE)


@bp.post("/<int:request_id>/submit")
@require("requests.create")
def submit(request_id: int):
    found = request_or_404(request_id)
    with committing(show=False, raises=NotFound) as attempt:
        requests.submit_request(current_user, found)
    if error := attempt.error:
        flash(f"Complete the request first: {error.message}", "error")
        return redirect(url_for("requests.edit", request_id=found.id))
    flash("Request filed; the reference team will pick it up.", "success")
    return redirect(url_for("requests.detail", request_id=found.id))


@bp.post("/<int:request_id>/copy")
@require("requests.create")
def copy(request_id: int):
    found = request_or_404(request_id)
    with committing(raises=DomainError):
        draft = requests.copy_request(current_user, found)
    flash("A copy is ready as a draft: check it, then submit.", "success")
    return redirect(url_for("requests.edit", request_id=draft.id))


@bp.post("/<int:request_id>/cancel")
@require("requests.create")
def cancel(request_id: int):
    found = request_or_404(request_id)
    reason = request.form.get("reason") or None
    return _act(
        found, lambda: requests.cancel_request(current_user, found, reason), "Request cancelled."
    )


@bp.post("/<int:request_id>/comments")
@require("requests.create")
def comment(request_id: int):
    return comment_on(request_or_404(request_id), "Comment added.", REQUESTER_PAGE)


@bp.post("/<int:request_id>/outcome")
@require("requests.create")
def outcome(request_id: int):
    return record_outcome_on(
        request_or_404(request_id),
        "Outcome recorded: thank you, this is what shows the program's worth.",
        REQUESTER_PAGE,
    )


@bp.post("/<int:request_id>/asks")
@require("requests.create")
def place_asks(request_id: int):
    """Self-service: a requester asks directly where the program allows the activity type."""
    found = request_or_404(request_id)
    allow_only(placing.may_place_ask(current_user, found))
    return place_selected(found, *REQUESTER_PAGE)


@bp.post("/asks/<int:ask_id>/rate")
@require("requests.create")
def rate(ask_id: int):
    ask = ask_or_404(ask_id)
    rating = request.form.get("rating") or None
    feedback = request.form.get("feedback")

    def change():
        if ask.status == "accepted":
            completion.complete_ask(current_user, ask, rating, feedback)
        else:
            completion.rate_ask(current_user, ask, rating, feedback)

    return act_on_ask(ask, change, "Thank you for rating the reference.", "#asks", REQUESTER_PAGE)
