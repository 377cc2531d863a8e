"""Account pages for customer success and the program team."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import service
from portal.accounts.forms import AccountForm
from portal.accounts.models import Account
from portal.advocates.service import advocate_query
from portal.auth.permissions import allow_only, can, require
from portal.boundary import committing
from portal.errors import Forbidden
from portal.extensions import db
from portal.filters import ListFilters
from portal.forms import form_status
from portal.program import custom_field_values
from portal.program.service import taxonomy_choices, term_labeller
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS

DETAIL_ROWS = 25  # rows of a list shown on its owner's page, with a link to the whole list

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

SORTS = {"name": "Name", "-updated": "Recently updated"}


def _account_or_404(account_id: int) -> Account:
    return service.get_account(current_user, account_id)


@bp.get("/")
@require("accounts.view")
def index():
    args = ListFilters(request.args)
    filters = {
        "q": args.text("q"),
        "industry": args.text("industry", max_length=64),
        "region": args.choice("region", REGIONS),
        "segment": args.choice("segment", SEGMENTS),
        "status": args.choice("status", ACCOUNT_STATUSES),
        "mine": args.flag("mine"),
    }
    sort = args.choice("sort", SORTS, default="name")
    number = args.page()
    args.announce()
    query = service.account_query(
        current_user,
        q=filters["q"] or None,
        industry=filters["industry"] or None,
        region=filters["region"] or None,
        segment=filters["segment"] or None,
        status=filters["status"] or None,
        mine=filters["mine"],
        sort=sort,
    ).options(sa.orm.selectinload(Account.csm))
    page = db.paginate(query, page=number, per_page=25, error_out=False)
    # None where the viewer may not know how many (another CSM's account, as on its page).
    advocate_counts = service.advocate_counts(current_user, page.items)
    return render_template(
        "accounts/index.html",
        page=page,
        filters=filters,
        filtered=any(value for value in filters.values()),
        sort=sort,
        sorts=SORTS,
        industries=taxonomy_choices("industry"),
        regions=REGIONS,
        segments=SEGMENTS,
        statuses=ACCOUNT_STATUSES,
        advocate_counts=advocate_counts,
        term=term_labeller(),
        custom=custom_field_values.Shown("account"),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("accounts.edit")
def create():
    form = AccountForm(choose_csm=can(current_user, "program.manage"))
    if not form.is_submitted() and request.args.get("name"):
        # From a suggested candidate ("Add as account"): the company's name, still editable.
        form.name.data = request.args["name"].strip()[:200]
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            account = service.create_account(current_user, form.to_data())
        if not attempt.refused:
            flash(f"Account {account.name} added.", "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    # Reaching here after a POST means the input was refused.
    return render_template("accounts/form.html", form=form, account=None), form_status(form)


@bp.get("/<int:account_id>")
@require("accounts.view")
def detail(account_id: int):
    account = _account_or_404(account_id)
    # CSMs see every account but only the advocates of their own (advocates.service decides).
    # The first page of its advocates; a large customer's whole list is a link away.
    advocates = db.paginate(
        advocate_query(current_user, account_id=account.id, sort="name"),
        page=1,
        per_page=DETAIL_ROWS,
        error_out=False,
    )
    may_see_advocates = service.sees_advocates_of(current_user, account)
    return render_template(
        "accounts/detail.html",
        account=account,
        advocates=advocates,
        may_see_advocates=may_see_advocates,
        may_edit=service.can_edit_account(current_user, account),
        may_add_advocate=may_see_advocates,
        term=term_labeller(),
        custom=custom_field_values.Shown("account"),
    )


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@require("accounts.edit")
def edit(account_id: int):
    account = _account_or_404(account_id)
    allow_only(service.can_edit_account(current_user, account))
    form = AccountForm(obj=account, choose_csm=can(current_user, "program.manage"))
    form.keep_current_csm(account.csm)
    if form.validate_on_submit():
        with committing(form=form, raises=Forbidden) as attempt:  # Forbidden: the 403 page
            changed = service.update_account(current_user, account, form.to_data())
        if not attempt.refused:
            flash("Account saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    # Reaching here after a POST means the input was refused.
    return render_template("accounts/form.html", form=form, account=account), form_status(form)
