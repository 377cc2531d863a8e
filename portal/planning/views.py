"""The planning pages: the monthly plan with its gap, shared by the program team, the requesting
teams, customer success and executives; planned needs and initiatives."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import csvio
from portal.auth.permissions import allow_only, require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.errors import DomainError
from portal.filters import ListFilters
from portal.forms import form_status
from portal.planning import access, gap, months, needs
from portal.planning import initiatives as initiative_rules
from portal.planning.forms import InitiativeForm, NeedForm
from portal.planning.models import PLANNING_TEAMS
from portal.recruiting.targets import target_label

bp = Blueprint("planning", __name__, url_prefix="/planning")
_LABELS = {"team": "Team", "initiative_id": "Initiative", "by": "Break down by"}


def _filters(args: ListFilters) -> tuple[dict, dt.date, dt.date, str | None]:
    """The plan's filters from the URL: team, initiative and months (a bad range: the default
    quarter, and the message why); a bad team or initiative is named in `args.ignored`."""
    filters = {}
    team = args.choice("team", PLANNING_TEAMS)
    if team:
        filters["team"] = team
    initiative_id = args.integer("initiative_id")
    if initiative_id is not None:
        filters["initiative_id"] = initiative_id
    today = dt.date.today()
    try:
        start, end = months.check_range(
            {"from": request.args.get("from"), "to": request.args.get("to")}, today
        )
        problem = None
    except DomainError as error:
        start, end = months.default_range(today)
        problem = error.message
    return filters, start, end, problem


@bp.get("/")
@require("planning.view")
def index():
    args = ListFilters(request.args)
    filters, start, end, problem = _filters(args)
    by = args.choice("by", gap.DIMENSIONS, default="segment")
    args.announce(_LABELS)
    plan = gap.plan_gap(current_user, filters, start, end)
    return render_template(
        "planning/index.html",
        plan=plan,
        by=by,
        filters=filters,
        start=start,
        end=end,
        problem=problem,
        initiatives=initiative_rules.initiatives(),
        teams=PLANNING_TEAMS,
        month_key=months.month_key,
        may_plan=access.may_plan(current_user),
        may_edit=lambda need: access.may_edit(current_user, need),
        is_program=access.is_program(current_user),
        need_label=needs.need_label,
    )


@bp.get("/plan.csv")
@require("planning.view")
def export():
    filters, start, end, _ = _filters(ListFilters(request.args))
    plan = gap.plan_gap(current_user, filters, start, end)
    rows = gap.export_rows(plan)
    shown = {**filters, "from": months.month_key(start), "to": months.month_key(end)}
    with committing(raises=DomainError):
        csvio.record_export(current_user, "planning", rows=len(rows), filters=shown)
    name = f"plan-{months.month_key(start)}-to-{months.month_key(end)}.csv"
    return csvio.download(csvio.lines(gap.EXPORT_COLUMNS, rows), name)


def _need_form(**kwargs) -> NeedForm:
    owners = needs.planners() if access.is_program(current_user) else None
    return NeedForm(
        initiatives=initiative_rules.initiatives(),
        targets=initiative_rules.targets(),
        owners=owners,
        target_label=target_label,
        **kwargs,
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@require("planning.edit")
def new_need():
    form = _need_form()
    initiative_id = ListFilters(request.args).integer("initiative_id")
    if request.method == "GET" and initiative_id is not None:
        form.initiative_id.data = str(initiative_id)
    if form.validate_on_submit():
        need = commit_or_show(needs.create_need, current_user, form.to_data(), form=form)
        if need is not REFUSED:
            flash(f"Planned: {need.title}.", "success")
            return redirect(url_for("planning.index", **_month_args(need.needed_by)))
    return render_template("planning/need_form.html", form=form, need=None), form_status(form)


def _month_args(day: dt.date) -> dict:
    """Back to the plan with the saved need's month in view."""
    start, end = months.default_range(dt.date.today())
    month = months.month_of(day)
    if start <= month <= end:
        return {}
    first = month.replace(month=3 * ((month.month - 1) // 3) + 1)  # its calendar quarter
    last = months.next_month(months.next_month(first))
    return {"from": months.month_key(first), "to": months.month_key(last)}


def _editable_need(need_id: int):
    need = needs.get_need(current_user, need_id)
    allow_only(access.may_edit(current_user, need))
    return need


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@require("planning.edit")
def edit_need(need_id: int):
    need = _editable_need(need_id)
    form = _need_form(obj=need)
    if form.validate_on_submit():
        saved = commit_or_show(needs.update_need, current_user, need, form.to_data(), form=form)
        if saved is not REFUSED:
            flash(f"Saved: {need.title}.", "success")
            return redirect(url_for("planning.index", **_month_args(need.needed_by)))
    return render_template("planning/need_form.html", form=form, need=need), form_status(form)


@bp.post("/needs/<int:need_id>/delete")
@require("planning.edit")
def delete_need(need_id: int):
    need = _editable_need(need_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    title = need.title
    if commit_or_show(needs.delete_need, current_user, need) is not REFUSED:
        flash(f"Removed: {title}.", "success")
    return redirect(url_for("planning.index"))


# Initiatives -------------------------------------------------------------------------------------


@bp.route("/initiatives", methods=["GET", "POST"])
@require("planning.view")
def initiatives():
    form = InitiativeForm()
    allow_only(not form.is_submitted() or access.is_program(current_user))
    if form.validate_on_submit():
        saved = commit_or_show(
            initiative_rules.create_initiative, current_user, form.to_data(), form=form
        )
        if saved is not REFUSED:
            flash(f"Initiative added: {saved.name}.", "success")
            return redirect(url_for("planning.initiatives"))
    return render_template(
        "planning/initiatives.html",
        form=form,
        initiatives=initiative_rules.initiatives(),
        counts=initiative_rules.needs_per_initiative(),
        is_program=access.is_program(current_user),
    ), form_status(form)


def _initiative(initiative_id: int):
    return initiative_rules.get_initiative(current_user, initiative_id)


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@require("program.manage")
def edit_initiative(initiative_id: int):
    initiative = _initiative(initiative_id)
    form = InitiativeForm(obj=initiative)
    if form.validate_on_submit():
        saved = commit_or_show(
            initiative_rules.update_initiative, current_user, initiative, form.to_data(), form=form
        )
        if saved is not REFUSED:
            flash(f"Saved: {initiative.name}.", "success")
            return redirect(url_for("planning.initiatives"))
    return render_template(
        "planning/initiative_form.html", form=form, initiative=initiative
    ), form_status(form)


@bp.post("/initiatives/<int:initiative_id>/delete")
@require("program.manage")
def delete_initiative(initiative_id: int):
    initiative = _initiative(initiative_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    name = initiative.name
    if commit_or_show(initiative_rules.delete_initiative, current_user, initiative) is not REFUSED:
        flash(f"Initiative removed: {name}. Its needs stay in the plan.", "success")
    return redirect(url_for("planning.initiatives"))
