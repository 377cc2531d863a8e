"""Nomination pages for staff: nominate a contact, my nominations, the CSM's objection, the
program team's decision on it, and the self-nominations to review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import can, require
from portal.boundary import REFUSED, commit_or_show
from portal.database import now_utc
from portal.extensions import db
from portal.filters import ListFilters
from portal.forms import form_status
from portal.nominations import public, service
from portal.nominations.forms import (
    AttachForm,
    ConfirmForm,
    DecideObjectionForm,
    NominateForm,
    NominationSettingsForm,
    ObjectionForm,
)
from portal.nominations.objections import standing_objection
from portal.program.service import get_setting

bp = Blueprint("nominations", __name__, url_prefix="/nominations")
PER_PAGE = 25


@bp.route("/new", methods=["GET", "POST"])
@require("advocates.nominate")
def new():
    """Any staff member nominates a contact at a customer account."""
    form = NominateForm()
    form.account.render_kw = {
        **form.account.render_kw,
        "data-account-suggest": url_for("nominations.account_names"),
    }
    if form.validate_on_submit():
        advocate = commit_or_show(service.nominate_contact, current_user, form.to_data(), form=form)
        if advocate is not REFUSED:
            told = (
                " Their customer success manager is told." if service.csm_reviews(advocate) else ""
            )
            flash(f"Thank you: {advocate.name} is nominated.{told}", "success")
            return redirect(url_for("nominations.mine"))
    return render_template(
        "nominations/new.html",
        form=form,
        objection_days=get_setting("nomination_objection_days"),
    ), form_status(form)


@bp.get("/accounts")
@require("advocates.nominate")
def account_names():
    """The account picker's suggestions: names of accounts taking nominations, as JSON."""
    return jsonify(service.suggest_account_names(current_user, ListFilters(request.args).text("q")))


@bp.get("/mine")
@require("advocates.nominate")
def mine():
    """The nominator's nominations and what became of each."""
    args = ListFilters(request.args)
    stage = args.choice("stage", service.STAGES)
    number = args.page()
    args.announce()
    everyone = args.flag("all") and can(current_user, "program.manage")
    page = db.paginate(
        service.nominations_query(current_user, everyone=everyone, stage=stage),
        page=number,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "nominations/mine.html",
        page=page,
        rows=service.rows_of(page.items),
        stage=stage,
        stages=service.STAGES,
        everyone=everyone,
        nominator_label=service.nominator_label,
    )


@bp.route("/<int:advocate_id>/object", methods=["GET", "POST"], endpoint="object")
@require("accounts.edit")
def object_to(advocate_id: int):
    """The account's CSM objects to another team's nomination of one of their contacts."""
    advocate = service.get_objectable(current_user, advocate_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        done = commit_or_show(
            service.object_to_nomination, current_user, advocate, form.reason.data, form=form
        )
        if done is not REFUSED:
            flash(
                f"Objection recorded: {advocate.name} won't be invited unless the program "
                "team overrules it.",
                "success",
            )
            return redirect(url_for("recruiting.account", account_id=advocate.account_id))
    return render_template(
        "nominations/object.html",
        form=form,
        advocate=advocate,
        deadline=service.objection_deadline(advocate),
        now=now_utc(),
        standing=standing_objection(advocate.id),
        nominator=service.nominator_label(advocate),
    ), form_status(form)


def _objection_or_404(objection_id: int):
    return service.get_objection(current_user, objection_id)


@bp.get("/objections/<int:objection_id>")
@require("program.manage")
def objection(objection_id: int):
    """The program team reads the objection and decides."""
    found = _objection_or_404(objection_id)
    return render_template(
        "nominations/objection.html",
        objection=found,
        advocate=found.advocate,
        form=DecideObjectionForm(),
        nominator=service.nominator_label(found.advocate),
    )


@bp.post("/objections/<int:objection_id>/uphold")
@require("program.manage")
def uphold(objection_id: int):
    """Uphold the CSM's objection: the nominee is declined with its reason."""
    return _decide(objection_id, "uphold")


@bp.post("/objections/<int:objection_id>/overrule")
@require("program.manage")
def overrule(objection_id: int):
    """Overrule the CSM's objection (with a note): the nominee may be invited."""
    return _decide(objection_id, "overrule")


def _decide(objection_id: int, decision: str):
    found = _objection_or_404(objection_id)
    form = DecideObjectionForm()
    if not form.validate_on_submit():
        abort(400)
    change = service.uphold_objection if decision == "uphold" else service.overrule_objection
    done = commit_or_show(change, current_user, found, form.note.data, form=form)
    if done is REFUSED:
        return render_template(
            "nominations/objection.html",
            objection=found,
            advocate=found.advocate,
            form=form,
            nominator=service.nominator_label(found.advocate),
        ), 422
    if decision == "uphold":
        flash(f"Objection upheld: {found.advocate.name} is declined.", "success")
    else:
        flash(f"Objection overruled: {found.advocate.name} may be invited.", "success")
    return redirect(url_for("recruiting.pipeline"))


# Self-nominations ------------------------------------------------------------------------------


def _settings_form() -> NominationSettingsForm:
    return NominationSettingsForm(
        enabled=bool(get_setting("self_nomination_enabled")),
        objection_days=get_setting("nomination_objection_days"),
    )


@bp.get("/self")
@require("program.manage")
def self_nominations():
    """Confirmed self-nominations whose e-mail matched no account: attach or discard."""
    args = ListFilters(request.args)
    number = args.page()
    args.announce()
    page = db.paginate(
        public.review_query(current_user), page=number, per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "nominations/self_review.html",
        page=page,
        rows=page.items,
        attach_form=AttachForm(),
        settings_form=_settings_form(),
    )


def _row_or_404(row_id: int):
    return public.get_to_review(current_user, row_id)


@bp.post("/self/<int:row_id>/attach")
@require("program.manage")
def attach(row_id: int):
    row = _row_or_404(row_id)
    form = AttachForm()
    if not form.validate_on_submit():
        abort(400)
    advocate = commit_or_show(public.attach_self_nomination, current_user, row, form.account.data)
    if advocate is not REFUSED:
        flash(f"{advocate.name} is nominated at {advocate.account.name}.", "success")
    return redirect(url_for("nominations.self_nominations"))


@bp.post("/self/<int:row_id>/discard")
@require("program.manage")
def discard(row_id: int):
    row = _row_or_404(row_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if commit_or_show(public.discard_self_nomination, current_user, row) is not REFUSED:
        flash(f"Discarded: {row.name} ({row.company}).", "success")
    return redirect(url_for("nominations.self_nominations"))


@bp.post("/settings")
@require("program.manage")
def settings():
    form = NominationSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    done = commit_or_show(
        public.update_nomination_settings,
        current_user,
        enabled=bool(form.enabled.data),
        objection_days=form.objection_days.data,
    )
    if done is not REFUSED:
        flash("Nomination settings saved." if done else "Nothing changed.", "success")
    return redirect(url_for("nominations.self_nominations"))
