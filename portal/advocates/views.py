"""The advocate's self-service portal (blueprint `me`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.asks import service as asks
from portal.auth.links import LinkError
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.vocab import DECLINE_REASONS, choices

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.route("/asks/answer/<action>/<token>", methods=["GET", "POST"])
def answer_by_link(action: str, token: str):
    """One-click answers from the ask e-mail: GET confirms, only the POST answers."""
    try:
        ask = asks.check_answer_link(token, action)
    except LinkError as error:
        db.session.rollback()
        return render_template("advocates/portal/link_problem.html", error=error), 400
    except NotFound:
        return render_template("errors/404.html"), 404
    problem = None
    if ask.status != "pending":
        problem = f"You already answered this ask: it is {ask.status}."
    elif request.method == "POST":
        try:
            asks.answer_by_link(
                token,
                action,
                reason=request.form.get("reason") or None,
                note=request.form.get("note"),
                proposed_times=request.form.get("proposed_times"),
            )
        except LinkError as error:
            db.session.rollback()
            return render_template("advocates/portal/link_problem.html", error=error), 400
        except DomainError as error:
            db.session.rollback()
            problem = error.message
            if error.fields:
                return render_template(
                    "advocates/portal/answer_by_link.html",
                    ask=ask, action=action, reasons=choices(DECLINE_REASONS),
                    errors=error.fields, form=request.form,
                ), 422
        else:
            db.session.commit()
            flash(
                "Thank you: your answer is recorded."
                if action == "accept"
                else "Thanks for letting us know. We won't hold it against you.",
                "success",
            )
            return redirect(url_for("me.answered", action=action))
    return render_template(
        "advocates/portal/answer_by_link.html",
        ask=ask, action=action, reasons=choices(DECLINE_REASONS), problem=problem,
        errors={}, form=request.form,
    )


@bp.get("/asks/answered/<any(accept, decline):action>")
def answered(action: str):
    return render_template("advocates/portal/answered.html", action=action)
