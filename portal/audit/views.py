"""The audit log for administrators."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from portal.audit.models import AuditEvent
from portal.auth.models import User
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
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["entity"]:
        query = query.where(AuditEvent.entity == filters["entity"])
    if filters["request"]:
        query = query.where(AuditEvent.request_id == filters["request"])
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if filters["actor"]:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.icontains(filters["actor"], autoescape=True)
        )
    if filters["since"]:
        query = query.where(
            AuditEvent.at >= dt.datetime.combine(filters["since"], dt.time(), dt.UTC)
        )
    if filters["until"]:
        until = dt.datetime.combine(filters["until"], dt.time(), dt.UTC) + dt.timedelta(days=1)
        query = query.where(AuditEvent.at < until)
    page = db.paginate(query, page=number, per_page=50, error_out=False)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    entities = db.session.scalars(
        sa.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)
    ).all()
    return render_template(
        "audit/index.html", page=page, filters=filters, actions=actions, entities=entities
    )
