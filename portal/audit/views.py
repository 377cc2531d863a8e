"""The audit log for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.audit import service as audit
from portal.auth.permissions import require
from portal.extensions import db
from portal.filters import ListFilters

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@require("audit.view")
def index():
    args = ListFilters(request.args)
    filters = {
        "action": args.text("action", max_length=64),
        "entity": args.text("entity", max_length=64),
        "actor": args.text("actor"),
        "since": args.date("since"),
        "until": args.date("until"),
        # The "Reference" an error page showed (X-Request-ID): what that request changed.
        "request": args.text("request", max_length=128),
    }
    entity_id = args.integer("entity_id")
    number = args.page()
    args.announce({"request": "Request reference"})
    query = audit.events_query(current_user, filters, entity_id)
    page = db.paginate(query, page=number, per_page=50, error_out=False)
    actions, entities = audit.filter_choices()
    return render_template(
        "audit/index.html", page=page, filters=filters, actions=actions, entities=entities
    )
