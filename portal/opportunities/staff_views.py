"""The program team's opportunity list and deal pages (a requester may open the page of a deal
they see)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import csvio
from portal.asks import request_queries
from portal.asks.forms import amount_text
from portal.asks.models import ReferenceRequest
from portal.audit.models import AuditEvent
from portal.auth.permissions import can, require
from portal.boundary import committing
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters
from portal.forms import form_status
from portal.opportunities import activity, service
from portal.opportunities.forms import NewOpportunityForm, OpportunityForm
from portal.opportunities.models import Opportunity
from portal.opportunities.views import bp
from portal.templating import figure
from portal.vocab import OPPORTUNITY_OUTCOMES, STAGE_GROUPS, label

PER_PAGE = 25
DETAIL_ROWS = 25  # requests shown on a deal's page, with a link to the whole list
HISTORY_ROWS = 50  # the latest changes shown on a deal's page
SOURCES = {
    "request": "from a reference request",
    "csv": "by a CRM import",
    "api": "through the API",
    "form": "on its page",
}
# Where a deal came from, on its page.
CAME = {
    "request": "From a reference request",
    "csv": "From a CRM import",
    "api": "Through the API",
    "form": "Added by hand",
}


def _deal_or_404(crm_id: str) -> Opportunity:
    return service.get(current_user, crm_id)


@bp.get("/")
@require("program.manage")
def index():
    args = ListFilters(request.args)
    filters = {
        "q": args.text("q"),
        "outcome": args.choice("outcome", OPPORTUNITY_OUTCOMES),
        "stage_group": args.choice("stage_group", STAGE_GROUPS),
    }
    number = args.page()
    args.announce({"stage_group": "Stage group"})
    query = service.opportunities_query(current_user, filters)
    page = db.paginate(query, page=number, per_page=PER_PAGE, error_out=False)
    ids = [deal.id for deal in page.items]
    request_counts = dict(
        db.session.execute(
            sa.select(ReferenceRequest.opportunity_id, sa.func.count())
            .where(ReferenceRequest.opportunity_id.in_(ids))
            .group_by(ReferenceRequest.opportunity_id)
        ).all()
    )
    return render_template(
        "opportunities/list.html",
        page=page,
        filters=filters,
        filtered=any(filters.values()),
        outcomes=OPPORTUNITY_OUTCOMES,
        stage_groups=STAGE_GROUPS,
        request_counts=request_counts,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("program.manage")
def create():
    form = NewOpportunityForm()
    if form.validate_on_submit():
        crm_id = (form.crm_id.data or "").strip()
        with committing(form=form) as attempt:
            deal, _ = service.upsert(current_user, crm_id, form.to_data(), source="form")
        if not attempt.refused:
            flash(f"Opportunity {deal.name} added.", "success")
            return redirect(url_for("opportunities.detail", crm_id=deal.crm_id))
    # Reaching here after a POST means the input was refused.
    return render_template("opportunities/edit.html", form=form, deal=None), form_status(form)


@bp.get("/<crm_id>")
@require("requests.create")
def detail(crm_id: str):
    deal = _deal_or_404(crm_id)
    team = can(current_user, "program.manage")
    # The requests the viewer may open: all of them for the team, a seller's own otherwise.
    supporting = db.paginate(
        request_queries.requests_query(current_user, {})
        .where(ReferenceRequest.opportunity_id == deal.id)
        .options(sa.orm.selectinload(ReferenceRequest.requester)),
        page=1,
        per_page=DETAIL_ROWS,
        error_out=False,
    )
    all_requests = (
        url_for("queue.index", view="all", q=deal.crm_id)
        if team
        else url_for("requests.index", q=deal.crm_id)
    )
    return render_template(
        "opportunities/detail.html",
        deal=deal,
        team=team,
        supporting=supporting,
        all_requests=all_requests,
        timeline=history(deal) if team else [],
        came=CAME.get(deal.source, label(deal.source)),
        file_url=url_for("requests.create", opportunity=deal.crm_id),
    )


@bp.route("/<crm_id>/edit", methods=["GET", "POST"])
@require("program.manage")
def edit(crm_id: str):
    deal = _deal_or_404(crm_id)
    form = OpportunityForm(obj=deal)
    if not form.is_submitted():
        form.amount.data = amount_text(deal.amount)
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            _, action = service.upsert(current_user, deal.crm_id, form.to_data(), source="form")
        if not attempt.refused:
            flash("Opportunity saved." if action == "updated" else "Nothing changed.", "success")
            return redirect(url_for("opportunities.detail", crm_id=deal.crm_id))
    # Reaching here after a POST means the input was refused.
    return render_template("opportunities/edit.html", form=form, deal=deal), form_status(form)


def history(deal: Opportunity) -> list[dict]:
    """The deal's latest audited changes in words, oldest first."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == Opportunity.__tablename__, AuditEvent.entity_id == deal.id)
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(HISTORY_ROWS)
    ).all()
    steps = []
    for event in reversed(events):
        text = _in_words(event)
        if text:
            steps.append({"at": event.at, "text": text, "actor": event.actor})
    return steps


# Changed fields a person doesn't read on the deal's page: the outcome has its own event, the
# account link follows the account's name.
UNSHOWN = {"source", "outcome", "account_id"}


def _in_words(event: AuditEvent) -> str | None:
    data = event.data or {}
    source = SOURCES.get(data.get("source"), "")
    if event.action == "opportunity.created":
        return f"Added {source}".strip()
    if event.action == "opportunity.outcome_changed":
        old, new = data.get("from"), data.get("to")
        return f"Outcome {label(old) or 'none'} → {label(new)} ({source})"
    changes = [
        f"{label(name)} {_shown(name, pair[0])} → {_shown(name, pair[1])}"
        for name, pair in data.items()
        if name not in UNSHOWN and isinstance(pair, list) and len(pair) == 2
    ]
    return f"Changed {source}: " + "; ".join(changes) if changes else None


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "amount":
        try:
            return figure(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if name == "stage_group":
        return label(value)
    return str(value)


@bp.get("/activity.csv")
@require("program.manage")
def activity_csv():
    """The reference activity as a CSV download; ?since= and ?until= (YYYY-MM-DD) narrow it."""
    since, until = activity.check_period(request.args.get("since"), request.args.get("until"))
    with committing(raises=DomainError):  # audited before a byte leaves
        rows = activity.activity_rows(current_user, since, until)
        activity.record_export(current_user, rows, since, until, via="page")
    return csvio.download(csvio.lines(activity.COLUMNS, rows), activity.filename(since, until))
