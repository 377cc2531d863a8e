"""Each role's home page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.auth.permissions import require
from portal.dashboard import service
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.vocab import ASK_STATUSES

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("auth.sign_in"))


@bp.get("/home")
@login_required
def home():
    # Not an access check: the role picks which home page shows (what each may see is its
    # service's); every signed-in user has one.
    role = current_user.role
    if role == "advocate":
        return redirect(url_for("me.home"))
    if role == "requester":
        return render_template("dashboard/requester.html", **service.requester_home(current_user))
    if role == "executive":
        from portal.recognition.summary import executive_home

        return render_template("dashboard/executive.html", **executive_home())
    if role == "csm":
        return render_template(
            "dashboard/csm.html", **service.csm_home(current_user, current_page())
        )
    return render_template(
        "dashboard/program.html",
        figures=service.program_figures(),
        due=service.requests_due(),
    )


@bp.get("/home/asks")
@require("program.manage")
def asks():
    """Asks by status: where the program page's "asks awaiting an answer" card leads."""
    filters = ListFilters(request.args)
    status = filters.choice("status", ASK_STATUSES)
    filters.announce()
    page = db.paginate(
        service.asks_query(status or None), page=filters.page(), per_page=25, error_out=False
    )
    return render_template("dashboard/asks.html", page=page, status=status, statuses=ASK_STATUSES)
