"""Recruiting pages: customer success's accounts, the pipeline board and suggested candidates,
nurturing, targets, imports and exports. (The invitee's welcome page: `welcome_views`.)"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal import csvio
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks import placing
from portal.asks.models import Ask
from portal.auth.permissions import can, require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.database import now_utc
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.forms import form_status
from portal.http_security import accepts_uploads
from portal.nominations.objections import objections_of
from portal.program.service import taxonomy_choices
from portal.recruiting import (
    csv_export,
    csv_import,
    csv_staging,
    nurturing,
    referenceability,
    suggestions,
)
from portal.recruiting import pipeline as pipeline_service
from portal.recruiting import targets as targets_service
from portal.recruiting.forms import (
    ConfirmImportForm,
    DismissSuggestionForm,
    ImportForm,
    MoveForm,
    NominateSuggestionForm,
    ReferenceabilityForm,
    TargetForm,
    TouchpointForm,
    VetoForm,
)
from portal.uploads import check_upload, confirm_upload, read_upload
from portal.vocab import ADVOCATE_STATUSES, REGIONS, SEGMENTS, label
from portal.zones import zone

DETAIL_ROWS = 25  # contacts shown on an account's page, with a link to all of them
SUGGESTIONS_SHOWN = 5  # on the pipeline board, with a link to all of them

bp = Blueprint("recruiting", __name__, url_prefix="/recruiting")

MOVE_WORDS = {
    "nominated": "Back to nominated",
    "invited": "Invite",
    "active": "Activate",
    "paused": "Pause",
    "retired": "Retire",
    "declined": "Mark declined",
}


# Customer success -----------------------------------------------------------------------------


@bp.get("/accounts")
@require("accounts.edit")
def accounts():
    """The CSM's accounts, 25 a page, with their referenceability and participation."""
    args = ListFilters(request.args)
    number = args.page()
    args.announce()
    page = db.paginate(
        referenceability.participation_query(current_user),
        page=number,
        per_page=25,
        error_out=False,
    )
    rows = referenceability.participation(current_user, accounts=page.items)
    return render_template("recruiting/accounts.html", rows=rows, page=page)


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@require("accounts.edit")
def account(account_id: int):
    account = referenceability.get_own_account(current_user, account_id)
    current = referenceability.referenceability_of(account)
    form = ReferenceabilityForm(obj=current)
    if form.validate_on_submit():
        data = form.to_data()
        saved = commit_or_show(
            referenceability.set_referenceability, current_user, account, data, form=form
        )
        if saved is not REFUSED:
            flash(f"{account.name}: referenceability saved.", "success")
            return redirect(url_for("recruiting.account", account_id=account.id))
    row = referenceability.participation(current_user, [account.id])[0]
    # The first page of its contacts; the whole list is a link away.
    advocates = db.paginate(
        sa.select(Advocate)
        .where(Advocate.account_id == account.id)
        .order_by(Advocate.name, Advocate.id),
        page=1,
        per_page=DETAIL_ROWS,
        error_out=False,
    )
    return render_template(
        "recruiting/account.html",
        account=account,
        form=form,
        row=row,
        advocates=advocates,
        asks=referenceability.recent_asks_of_account(account),
    ), form_status(form)


@bp.route("/asks/<int:ask_id>/veto", methods=["GET", "POST"])
@require("accounts.edit")
def veto_ask(ask_id: int):
    """The account's CSM stops a held ask to one of their contacts, saying why."""
    ask = db.session.get(Ask, ask_id)
    if ask is None or not placing.may_veto(current_user, ask):
        abort(404)
    form = VetoForm()
    if form.validate_on_submit():
        done = commit_or_show(placing.veto_ask, current_user, ask, form.reason.data, form=form)
        if done is not REFUSED:
            flash(f"Stopped: {ask.advocate.name} won't be asked.", "success")
            return redirect(url_for("recruiting.account", account_id=ask.advocate.account_id))
    return render_template("recruiting/veto.html", ask=ask, form=form), form_status(form)


# The pipeline -------------------------------------------------------------------------------


def _filters() -> dict:
    """The pipeline's filters from the query string; a bad value is ignored and said so."""
    args = ListFilters(request.args)
    nominated_by = args.integer("nominated_by")
    filters = {
        "industry": args.text("industry", max_length=64),
        "region": args.choice("region", REGIONS),
        "segment": args.choice("segment", SEGMENTS),
        "product": args.text("product", max_length=64),
        "nominated_by": str(nominated_by) if nominated_by else "",
    }
    args.announce()
    return filters


@bp.get("/pipeline")
@require("program.manage")
def pipeline():
    filters = _filters()
    query_filters = dict(filters)
    if query_filters["nominated_by"]:
        query_filters["nominated_by"] = int(query_filters["nominated_by"])
    board = pipeline_service.pipeline_board(current_user, query_filters, per_column=12)
    shown = [a.id for column in board.values() for a in column["advocates"]]
    invitations = pipeline_service.open_invitations(shown)
    return render_template(
        "recruiting/pipeline.html",
        board=board,
        statuses=ADVOCATE_STATUSES,
        filters=filters,
        filtered=any(filters.values()),
        industries=taxonomy_choices("industry"),
        products=taxonomy_choices("product"),
        regions=REGIONS,
        segments=SEGMENTS,
        nominators=pipeline_service.nominators(),
        invitations=invitations,
        is_stale=pipeline_service.is_stale,
        transitions=advocates_service.TRANSITIONS,
        move_words=MOVE_WORDS,
        move_form=MoveForm(),
        objections=objections_of(shown),  # the account CSM's, on the nominated cards
        **_suggestion_context(limit=SUGGESTIONS_SHOWN),
    )


@bp.post("/advocates/<int:advocate_id>/move")
@require("program.manage")
def move(advocate_id: int):
    advocate = db.session.get(Advocate, advocate_id) or abort(404)
    form = MoveForm()
    status = request.form.get("status", "")
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("recruiting.pipeline"))
    with committing(show=False) as attempt:
        pipeline_service.move_advocate(current_user, advocate, status, form.reason.data)
    if error := attempt.error:
        # A refusal names the advocate once: add the name only when the message lacks it.
        message = error.message
        flash(message if advocate.name in message else f"{advocate.name}: {message}", "error")
    else:
        if status == "invited":
            flash(f"Invitation sent to {advocate.name} ({advocate.email}).", "success")
        else:
            flash(f"{advocate.name} is now {label(status).lower()}.", "success")
    target = request.form.get("next", "")
    if target == "advocate":
        return redirect(url_for("recruiting.advocate", advocate_id=advocate.id))
    return redirect(url_for("recruiting.pipeline", **_filters_from_form()))


def _filters_from_form() -> dict:
    return {
        name: request.form.get(f"f_{name}")
        for name in pipeline_service.PIPELINE_FILTERS
        if request.form.get(f"f_{name}")
    }


# Suggested candidates -------------------------------------------------------------------------


def _suggestion_context(limit: int) -> dict:
    shown, total = suggestions.open_suggestions(current_user, limit)
    return {"suggestions": shown, "suggestions_total": total}


@bp.get("/suggestions")
@require("accounts.edit")
def suggested_candidates():
    """Deals closed won and accounts newly happy: nominate a contact or dismiss, with why."""
    page = db.paginate(
        suggestions.suggestions_query(current_user),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "recruiting/suggestions.html",
        page=page,
        suggestions=page.items,
    )


def _suggestion_or_404(suggestion_id: int):
    return suggestions.get_suggestion(current_user, suggestion_id)


def _back_from_suggestion(form):
    """Back to the page the button was on: the board (program team) or the suggestions list."""
    if form.next.data == "pipeline" and can(current_user, "program.manage"):
        return redirect(url_for("recruiting.pipeline"))
    return redirect(url_for("recruiting.suggested_candidates"))


@bp.post("/suggestions/<int:suggestion_id>/nominate")
@require("accounts.edit")
def nominate_suggestion(suggestion_id: int):
    """Marked nominated, then on to the nomination form for its account (or to add the account
    first, when the deal's company is not one yet)."""
    suggestion = _suggestion_or_404(suggestion_id)
    form = NominateSuggestionForm()
    if not form.validate_on_submit():
        abort(400)
    done = commit_or_show(suggestions.nominate_suggestion, current_user, suggestion)
    if done is REFUSED:
        return _back_from_suggestion(form)
    if suggestion.account_id is not None:
        flash(f"{suggestion.company}: nominate the contact to invite.", "success")
        return redirect(url_for("advocates.create", account_id=suggestion.account_id))
    flash(f"{suggestion.company} is not an account yet: add it, then nominate a contact.", "info")
    return redirect(url_for("accounts.create", name=suggestion.company))


@bp.post("/suggestions/<int:suggestion_id>/dismiss")
@require("accounts.edit")
def dismiss_suggestion(suggestion_id: int):
    suggestion = _suggestion_or_404(suggestion_id)
    form = DismissSuggestionForm()
    if not form.validate_on_submit():
        abort(400)
    done = commit_or_show(
        suggestions.dismiss_suggestion, current_user, suggestion, form.reason.data
    )
    if done is not REFUSED:
        flash(f"Dismissed: {suggestion.company}.", "success")
    return _back_from_suggestion(form)


# Nurturing ----------------------------------------------------------------------------------


def _viewer_zone() -> ZoneInfo:
    return zone(current_user.timezone)


@bp.route("/advocates/<int:advocate_id>", methods=["GET", "POST"])
@require("advocates.nurture")
def advocate(advocate_id: int):
    advocate = nurturing.get_nurtured_advocate(current_user, advocate_id)
    program = can(current_user, "program.manage")
    form = TouchpointForm()
    if form.validate_on_submit():
        data = form.to_data(_viewer_zone())
        saved = commit_or_show(nurturing.log_touchpoint, current_user, advocate, data, form=form)
        if saved is not REFUSED:
            flash("Touchpoint logged.", "success")
            return redirect(url_for("recruiting.advocate", advocate_id=advocate.id))
    invitation = (
        pipeline_service.open_invitations([advocate.id]).get(advocate.id) if program else None
    )
    return render_template(
        "recruiting/advocate.html",
        advocate=advocate,
        form=form,
        health=nurturing.health_of(advocate),
        touchpoints=nurturing.touchpoints_of(advocate),
        invitation=invitation,
        stale=invitation is not None and pipeline_service.is_stale(invitation),
        moves=advocates_service.TRANSITIONS[advocate.status] if program else (),
        move_words=MOVE_WORDS,
        move_form=MoveForm(),
        objection=objections_of([advocate.id]).get(advocate.id),
    ), form_status(form)


@bp.get("/follow-ups")
@require("advocates.nurture")
def follow_ups():
    today = _today()
    due = nurturing.follow_ups_due(current_user, today)
    return render_template("recruiting/follow_ups.html", due=due, today=today, form=MoveForm())


def _today():
    return now_utc().astimezone(_viewer_zone()).date()


@bp.post("/touchpoints/<int:touchpoint_id>/done")
@require("advocates.nurture")
def follow_up_done(touchpoint_id: int):
    touchpoint = nurturing.get_follow_up(current_user, touchpoint_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    if commit_or_show(nurturing.complete_follow_up, current_user, touchpoint) is not REFUSED:
        flash(f"Follow-up with {touchpoint.advocate.name} done.", "success")
    return redirect(url_for("recruiting.follow_ups"))


# Targets ------------------------------------------------------------------------------------


@bp.route("/targets", methods=["GET", "POST"])
@require("program.manage")
def targets():
    form = TargetForm()
    if form.validate_on_submit():
        saved = commit_or_show(
            targets_service.create_target, current_user, form.to_data(), form=form
        )
        if saved is not REFUSED:
            flash("Target added.", "success")
            return redirect(url_for("recruiting.targets"))
    return render_template(
        "recruiting/targets.html",
        form=form,
        gaps=targets_service.target_gaps(),
        target_label=targets_service.target_label,
        delete_form=MoveForm(),
    ), form_status(form)


@bp.post("/targets/<int:target_id>/delete")
@require("program.manage")
def delete_target(target_id: int):
    target = targets_service.get_target(current_user, target_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    with committing(raises=DomainError):
        targets_service.delete_target(current_user, target)
    flash("Target removed.", "success")
    return redirect(url_for("recruiting.targets"))


# Import and export ----------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@accepts_uploads
@require("program.manage")
def import_csv():
    form = ImportForm()
    report = None
    confirm = None
    if form.validate_on_submit():
        kind = form.kind.data
        data = read_upload(form.file)
        if data is not None and kind not in csv_import.KINDS:
            form.kind.errors.append("Choose accounts or advocates.")
            data = None
        checked = data is not None and check_upload(
            form,
            lambda: csv_import.run_import(current_user, kind, data, dry_run=True),
            lambda _: csv_staging.stage_preview(current_user, kind, data),
        )
        if checked:
            report, upload = checked
            confirm = ConfirmImportForm(upload=upload, kind=kind)
            return render_template(
                "recruiting/import.html", form=form, report=report, confirm=confirm
            )
    return render_template(
        "recruiting/import.html", form=form, report=report, confirm=confirm
    ), form_status(form)


@bp.post("/import/confirm")
@require("program.manage")
def confirm_import():
    preview, report = confirm_upload(
        ConfirmImportForm(),
        lambda token: csv_staging.take_preview(current_user, token),
        lambda preview: csv_import.run_import(current_user, preview.kind, preview.data),
    )
    if preview is None:
        flash("That preview is gone; please upload the file again.", "error")
        return redirect(url_for("recruiting.import_csv"))
    if report is None:
        return redirect(url_for("recruiting.import_csv"))
    flash(f"Imported {preview.kind}: {report.summary()}", "success")
    return redirect(url_for("recruiting.import_csv"))


@bp.get("/export/<kind>.csv")
@require("program.manage")
def export_csv(kind: str):
    if kind not in csv_export.EXPORTS:
        abort(404)
    with committing(raises=DomainError):  # audited before a byte leaves
        csv_export.record_export(current_user, kind, via="page")
    return csvio.download(csv_export.EXPORTS[kind](), f"{kind}.csv")
