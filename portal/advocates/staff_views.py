"""Advocate pages for customer success and the program team."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.models import Account
from portal.advocates import privacy, service
from portal.advocates.forms import COMMON_TIMEZONES, AdvocateForm, ProgramAdvocateForm
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.permissions import allow_only, can, require
from portal.benefits.models import LedgerEntry
from portal.boundary import committing
from portal.errors import Forbidden
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.forms import form_status, id_or_raw, show_service_errors
from portal.program import custom_field_values
from portal.program.service import get_setting, taxonomy_choices, term_labeller
from portal.recruiting import pipeline as recruiting
from portal.vocab import ADVOCATE_STATUSES, REGIONS, SENIORITIES, label

bp = Blueprint("advocates", __name__, url_prefix="/advocates")

SORTS = {"name": "Name", "account": "Account", "-updated": "Recently updated"}
IN_FLIGHT = ("pending", "accepted")
# The button for each move of the lifecycle, and the moves that ask to confirm first.
MOVES = {
    "nominated": "Back to nominated",
    "invited": "Invite",
    "active": "Activate",
    "paused": "Pause",
    "retired": "Retire",
    "declined": "Mark as declined",
}
CONFIRM = {
    "retired": "Retire this advocate? They will no longer be asked for references.",
    "declined": "Mark this advocate as declined? They said no to joining the program.",
}


def _advocate_or_404(advocate_id: int) -> Advocate:
    return service.get_advocate(current_user, advocate_id)


def _advocate_form(advocate: Advocate | None = None, **kwargs) -> AdvocateForm:
    """The program team types the account (a lookup over every account); a CSM chooses among
    the accounts they look after (and the advocate's own, when editing)."""
    if can(current_user, "program.manage"):
        return ProgramAdvocateForm(obj=advocate, **kwargs)
    accounts = list(
        db.session.scalars(
            sa.select(Account).where(Account.csm_id == current_user.id).order_by(Account.name)
        )
    )
    if advocate is not None and advocate.account not in accounts:
        accounts.append(advocate.account)
    return AdvocateForm(obj=advocate, accounts=accounts, **kwargs)


@bp.get("/")
@require("advocates.view")
def index():
    args = ListFilters(request.args)
    filters = {
        "q": args.text("q"),
        "status": args.choice("status", ADVOCATE_STATUSES),
        "seniority": args.choice("seniority", SENIORITIES),
        "industry": args.text("industry", max_length=64),
        "region": args.choice("region", REGIONS),
    }
    account_id = args.integer("account_id")
    sort = args.choice("sort", SORTS, default="name")
    number = args.page()
    args.announce()
    query = service.advocate_query(
        current_user,
        q=filters["q"] or None,
        account_id=account_id,
        status=filters["status"] or None,
        seniority=filters["seniority"] or None,
        industry=filters["industry"] or None,
        region=filters["region"] or None,
        sort=sort,
    ).options(sa.orm.contains_eager(Advocate.account))
    page = db.paginate(query, page=number, per_page=25, error_out=False)
    return render_template(
        "advocates/index.html",
        page=page,
        filters=filters,
        account=db.session.get(Account, account_id) if account_id else None,
        filtered=any(filters.values()) or account_id is not None,
        sort=sort,
        sorts=SORTS,
        statuses=ADVOCATE_STATUSES,
        seniorities=SENIORITIES,
        industries=taxonomy_choices("industry"),
        regions=REGIONS,
        custom=custom_field_values.Shown("advocate"),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("advocates.edit")
def create():
    program = can(current_user, "program.manage")
    form = _advocate_form(choose_status=program)
    if not form.is_submitted():
        chosen = request.args.get("account_id", "")  # "Add an advocate" on an account's page
        form.account_id.data = id_or_raw(chosen) if program else chosen
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            advocate = service.create_advocate(current_user, form.to_data())
        if error := attempt.error:
            # A refusal (a CSM nominating at another's account) is about the account chosen.
            show_service_errors(form, error, fallback="account_id")
        else:
            verb = "added" if program else "nominated"
            flash(f"{advocate.name} {verb}.", "success")
            return redirect(url_for("advocates.detail", advocate_id=advocate.id))
    return _form_page(form, None)


def _form_page(form, advocate: Advocate | None):
    """The advocate form again; reaching it after a POST means the input was refused."""
    return render_template(
        "advocates/form.html", form=form, advocate=advocate, timezones=COMMON_TIMEZONES
    ), form_status(form)


@bp.get("/<int:advocate_id>")
@require("advocates.view")
def detail(advocate_id: int):
    advocate = _advocate_or_404(advocate_id)
    # Their asks, newest first, 25 a page: a long-standing advocate has years of them.
    asks = db.paginate(
        sa.select(Ask)
        .where(Ask.advocate_id == advocate.id)
        .options(sa.orm.joinedload(Ask.request).joinedload(ReferenceRequest.requester))
        .order_by(Ask.asked_at.desc(), Ask.id.desc()),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    in_flight = db.session.scalar(
        sa.select(sa.func.count(Ask.id)).where(
            Ask.advocate_id == advocate.id, Ask.status.in_(IN_FLIGHT)
        )
    )
    balance = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.advocate_id == advocate.id
        )
    )
    limits = [
        ("Per month", advocate.max_per_month, get_setting("default_max_per_month")),
        ("Per quarter", advocate.max_per_quarter, get_setting("default_max_per_quarter")),
        ("Per year", advocate.max_per_year, get_setting("default_max_per_year")),
    ]
    moves = service.allowed_statuses(advocate) if can(current_user, "program.manage") else ()
    return render_template(
        "advocates/detail.html",
        advocate=advocate,
        asks=asks,
        in_flight=in_flight,
        balance=balance,
        limits=limits,
        default_cooldown=get_setting("default_min_days_between"),
        may_edit=service.can_edit_advocate(current_user, advocate),
        moves=[(status, MOVES[status], CONFIRM.get(status)) for status in moves],
        term=term_labeller(),
        custom=custom_field_values.Shown("advocate"),
    )


@bp.route("/<int:advocate_id>/edit", methods=["GET", "POST"])
@require("advocates.edit")
def edit(advocate_id: int):
    advocate = _advocate_or_404(advocate_id)
    allow_only(service.can_edit_advocate(current_user, advocate))
    form = _advocate_form(advocate, choose_status=False)
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            changed = service.update_advocate(current_user, advocate, form.to_data())
        if error := attempt.error:
            # A refusal names no field: it is about the account chosen.
            fallback = "account_id" if isinstance(error, Forbidden) else None
            show_service_errors(form, error, fallback=fallback)
        else:
            flash("Advocate saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("advocates.detail", advocate_id=advocate.id))
    return _form_page(form, advocate)


@bp.post("/<int:advocate_id>/status")
@require("program.manage")
def change_status(advocate_id: int):
    advocate = _advocate_or_404(advocate_id)
    status = request.form.get("status", "")
    reason = request.form.get("reason", "").strip()[:500] or None
    with committing() as attempt:
        # The pipeline's move: inviting also sends the invitation e-mail.
        recruiting.move_advocate(current_user, advocate, status, reason)
    if not attempt.refused:
        flash(f"{advocate.name} is now {label(status).lower()}.", "success")
    return redirect(url_for("advocates.detail", advocate_id=advocate_id))


@bp.post("/<int:advocate_id>/erasure")
@require("program.manage")
def confirm_erasure(advocate_id: int):
    """A manager confirms an advocate's erasure request: they are anonymized."""
    advocate = _advocate_or_404(advocate_id)
    with committing() as attempt:
        privacy.confirm_erasure(current_user, advocate)
    if not attempt.refused:
        flash("Erased: the person is anonymized; their activity stays in the figures.", "success")
    return redirect(url_for("advocates.detail", advocate_id=advocate_id))
