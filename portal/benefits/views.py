"""The advocate's benefits pages (blueprint `benefits`): catalog, claiming, claims, points."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.permissions import own_advocate, require
from portal.benefits.capacity import ClaimFigures
from portal.benefits.catalog import benefit_for_advocate, offer
from portal.benefits.catalog import catalog as catalog_page
from portal.benefits.claims import (
    cancel_claim,
    claim_benefit,
    claim_query,
    detail_fields,
    get_claim,
)
from portal.benefits.forms import ClaimForm
from portal.benefits.ledger import balance, ledger_query
from portal.benefits.models import Claim
from portal.boundary import committing
from portal.errors import NotFound
from portal.extensions import db
from portal.filters import current_page
from portal.forms import show_service_errors

bp = Blueprint("benefits", __name__, url_prefix="/benefits")


@bp.get("/")
@require("advocate.self")
def catalog():
    advocate = own_advocate()
    page, offers = catalog_page(advocate, current_page())
    return render_template(
        "benefits/catalog.html", page=page, offers=offers, balance=balance(advocate.id)
    )


def _benefit_page(advocate, benefit, form=None, status=200):
    return render_template(
        "benefits/benefit.html",
        benefit=benefit,
        offer=offer(advocate, benefit),
        form=form or ClaimForm(formdata=None),
        balance=balance(advocate.id),
    ), status


def _visible_benefit(advocate, benefit_id: int):
    """An open benefit, or one the advocate claimed; anything else is 404."""
    return benefit_for_advocate(advocate, benefit_id)


@bp.get("/<int:benefit_id>")
@require("advocate.self")
def benefit(benefit_id: int):
    advocate = own_advocate()
    return _benefit_page(advocate, _visible_benefit(advocate, benefit_id))


@bp.post("/<int:benefit_id>/claim")
@require("advocate.self")
def claim(benefit_id: int):
    advocate = own_advocate()
    found = _visible_benefit(advocate, benefit_id)
    form = ClaimForm()
    if form.validate_on_submit():
        with committing(show=False) as attempt:
            made = claim_benefit(current_user, found, advocate, form.to_data(found.kind))
        if error := attempt.error:
            asked = {name for name, *_ in detail_fields(found.kind)}
            if not set(error.fields) & asked:
                flash(error.message, "error")
                return redirect(url_for("benefits.benefit", benefit_id=benefit_id))
            show_service_errors(form, error)
        else:
            words = {
                "approved": _("It's yours: your place is confirmed."),
                "requested": _("Claimed: the program team will confirm it soon."),
                "waitlisted": _(
                    "It's full: you're on the waitlist; we'll write when a place frees."
                ),
            }
            message = words[made.status]
            flash(message, "success")
            return redirect(url_for("benefits.claims"))
    return _benefit_page(advocate, found, form, 422)


@bp.get("/claims")
@require("advocate.self")
def claims():
    advocate = own_advocate()
    page = db.paginate(
        claim_query(current_user).order_by(None).order_by(Claim.id.desc()),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    mine = page.items
    return render_template(
        "benefits/claims.html",
        page=page,
        claims=mine,
        position=ClaimFigures.of_claims(mine).position,
        balance=balance(advocate.id),
    )


@bp.post("/claims/<int:claim_id>/cancel")
@require("advocate.self")
def cancel(claim_id: int):
    own_advocate()
    with committing(raises=NotFound) as attempt:
        found = get_claim(current_user, claim_id)
        cancel_claim(current_user, found)
    if not attempt.refused:
        flash(_("Cancelled. Any points it held are back in your balance."), "success")
    return redirect(url_for("benefits.claims"))


@bp.get("/points")
@require("advocate.self")
def points():
    advocate = own_advocate()
    page = db.paginate(
        ledger_query(advocate.id),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    return render_template("benefits/points.html", page=page, balance=balance(advocate.id))
