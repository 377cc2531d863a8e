"""The program team's benefits pages (blueprint `benefits_admin`): catalog, claims to decide,
waitlists, and any advocate's points ledger with adjustments."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import csvio
from portal.auth.permissions import require
from portal.benefits.capacity import PLACE_STATUSES, ClaimFigures
from portal.benefits.catalog import (
    benefit_query,
    create_benefit,
    get_benefit,
    set_benefit_status,
    update_benefit,
)
from portal.benefits.claims import (
    approve_claim,
    approve_claims,
    cancel_claim,
    claim_query,
    decline_claim,
    fulfil_claim,
    get_claim,
)
from portal.benefits.forms import AdjustForm, BenefitForm, DecisionForm
from portal.benefits.ledger import adjust_points, balance, ledger_advocate, ledger_query
from portal.boundary import committing
from portal.database import parse_id
from portal.errors import DomainError
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.reports.exchange import give_and_get
from portal.vocab import BENEFIT_STATUSES, CLAIM_STATUSES, label

GIVE_GET_ROWS = 50  # advocates listed on the give-and-get page; the CSV holds all of them

bp = Blueprint("benefits_admin", __name__, url_prefix="/program/benefits")


def _benefit(benefit_id: int):
    return get_benefit(current_user, benefit_id)


def _claim(claim_id: int):
    return get_claim(current_user, claim_id)


@bp.get("/")
@require("program.manage")
def index():
    args = ListFilters(request.args)
    status = args.choice("status", BENEFIT_STATUSES) or None
    args.announce()
    page = db.paginate(
        benefit_query(status=status),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "benefits/staff/index.html",
        page=page,
        status=status,
        figures=ClaimFigures(b.id for b in page.items),
    )


def _form_page(form, benefit=None, status=200):
    return render_template("benefits/staff/form.html", form=form, benefit=benefit), status


@bp.route("/new", methods=["GET", "POST"])
@require("program.manage")
def new():
    form = BenefitForm()
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            benefit = create_benefit(current_user, form.to_data())
        if not attempt.refused:
            flash(f"{benefit.title} is in the catalog and open for claims.", "success")
            return redirect(url_for("benefits_admin.detail", benefit_id=benefit.id))
    return _form_page(form, status=422 if form.is_submitted() else 200)


@bp.route("/<int:benefit_id>/edit", methods=["GET", "POST"])
@require("program.manage")
def edit(benefit_id: int):
    benefit = _benefit(benefit_id)
    if request.method == "GET":
        form = BenefitForm(obj=benefit)
        form.allowed_advocate_ids.data = [a.advocate_id for a in benefit.allowed]
        for name in ("event_date", "claim_deadline"):
            value = getattr(benefit, name)
            form[name].data = value.isoformat() if value else None
    else:
        form = BenefitForm()
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            update_benefit(current_user, benefit, form.to_data())
        if not attempt.refused:
            flash("Saved.", "success")
            return redirect(url_for("benefits_admin.detail", benefit_id=benefit_id))
    return _form_page(form, benefit, status=422 if form.is_submitted() else 200)


@bp.get("/<int:benefit_id>")
@require("program.manage")
def detail(benefit_id: int):
    benefit = _benefit(benefit_id)
    claims = db.session.scalars(claim_query(current_user, benefit_id=benefit.id)).all()
    figures = ClaimFigures([benefit.id])
    return render_template(
        "benefits/staff/detail.html",
        benefit=benefit,
        holding=[c for c in claims if c.status in PLACE_STATUSES],
        waiting=[c for c in claims if c.status == "waitlisted"],
        ended=[c for c in claims if c.status in ("declined", "cancelled")],
        taken=figures.taken(benefit.id),
        form=DecisionForm(formdata=None),
        approvable=figures.approvable,
    )


@bp.post("/<int:benefit_id>/status")
@require("program.manage")
def set_status(benefit_id: int):
    benefit = _benefit(benefit_id)
    with committing() as attempt:
        set_benefit_status(current_user, benefit, request.form.get("status", ""))
    if not attempt.refused:
        flash(f"{benefit.title} is {benefit.status}.", "success")
    return redirect(url_for("benefits_admin.detail", benefit_id=benefit_id))


@bp.get("/claims")
@require("program.manage")
def claims():
    args = ListFilters(request.args)
    status = args.choice("status", CLAIM_STATUSES, default="requested") or None
    args.announce()
    page = db.paginate(
        claim_query(current_user, status=status),
        page=current_page(),
        per_page=50,
        error_out=False,
    )
    figures = ClaimFigures.of_claims(page.items)
    return render_template(
        "benefits/staff/claims.html",
        page=page,
        status=status,
        statuses=CLAIM_STATUSES,
        position=figures.position,
        approvable=figures.approvable,
    )


@bp.post("/claims/approve")
@require("program.manage")
def approve_many():
    ids = [i for i in map(parse_id, request.form.getlist("claim_ids")) if i is not None]
    if not ids:
        flash("Tick the claims to approve first.", "error")
        return redirect(url_for("benefits_admin.claims"))
    with committing(raises=DomainError):
        approved, refused = approve_claims(current_user, ids)
    if approved:
        flash(f"Approved {len(approved)} claim{'s' if len(approved) != 1 else ''}.", "success")
    for claim_id, why in refused.items():
        flash(f"Claim {claim_id}: {why}", "error")
    return redirect(url_for("benefits_admin.claims"))


ACTIONS = {
    "approve": (approve_claim, "Approved."),
    "decline": (decline_claim, "Declined; any points it held were refunded."),
    "cancel": (cancel_claim, "Cancelled; any points it held were refunded."),
    "fulfil": (lambda actor, claim, note=None: fulfil_claim(actor, claim), "Fulfilled."),
}


@bp.post("/claims/<int:claim_id>/<any(approve, decline, cancel, fulfil):action>")
@require("program.manage")
def decide(claim_id: int, action: str):
    claim = _claim(claim_id)
    form = DecisionForm()
    decide_claim, done = ACTIONS[action]
    if form.validate_on_submit():
        with committing() as attempt:
            decide_claim(current_user, claim, form.note.data)
        if not attempt.refused:
            flash(done, "success")
    else:
        flash("The form expired; please send it again.", "error")
    target = request.form.get("back")
    if target == "claims":
        return redirect(url_for("benefits_admin.claims"))
    return redirect(url_for("benefits_admin.detail", benefit_id=claim.benefit_id))


def _ledger_page(advocate, form, status=200):
    page = db.paginate(
        ledger_query(advocate.id),
        page=current_page(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "benefits/staff/ledger.html",
        advocate=advocate,
        page=page,
        balance=balance(advocate.id),
        form=form,
    ), status


@bp.route("/ledger/<int:advocate_id>", methods=["GET", "POST"])
@require("program.manage")
def ledger(advocate_id: int):
    advocate = ledger_advocate(current_user, advocate_id)
    form = AdjustForm()
    if form.validate_on_submit():
        with committing(form=form) as attempt:
            adjust_points(current_user, advocate, form.delta.data, form.memo.data)
        if not attempt.refused:
            flash("Adjustment recorded.", "success")
            return redirect(url_for("benefits_admin.ledger", advocate_id=advocate_id))
    return _ledger_page(advocate, form, 422 if form.is_submitted() else 200)


@bp.get("/give-get")
@require("program.manage")
def give_get():
    return render_template(
        "benefits/staff/give_get.html",
        report=give_and_get(current_user),
        shown_rows=GIVE_GET_ROWS,
    )


@bp.get("/give-get.csv")
@require("program.manage")
def give_get_csv():
    report = give_and_get(current_user)
    with committing(raises=DomainError):  # audited before a byte leaves
        csvio.record_export(current_user, "give_and_get", rows=len(report.rows))
    columns = [
        "Advocate",
        "Account",
        "Activities given",
        "Activities by type",
        "Points earned",
        "Benefits received",
        "Points spent",
    ]
    rows = (
        [
            row.name,
            row.account,
            row.given,
            "; ".join(f"{label(kind)}: {n}" for kind, n in row.activities.items()),
            row.points_earned,
            row.received,
            row.points_spent,
        ]
        for row in report.rows
    )
    return csvio.download(csvio.lines(columns, rows), "give-and-get.csv")
