"""The audit log for administrators."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.permissions import require
from portal.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@require("audit.view")
def index():
    filters = {
        "action": request.args.get("action", "").strip(),
        "entity": request.args.get("entity", "").strip(),
        "actor": request.args.get("actor", "").strip(),
        "since": _parse_date(request.args.get("since")),
        "until": _parse_date(request.args.get("until")),
    }
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["entity"]:
        query = query.where(AuditEvent.entity == filters["entity"])
    if entity_id := request.args.get("entity_id", type=int):
        query = query.where(AuditEvent.entity_id == entity_id)
    if filters["actor"]:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.ilike(f"%{filters['actor']}%")
        )
    if filters["since"]:
        query = query.where(
            AuditEvent.at >= dt.datetime.combine(filters["since"], dt.time(), dt.UTC)
        )
    if filters["until"]:
        until = dt.datetime.combine(filters["until"], dt.time(), dt.UTC) + dt.timedelta(days=1)
        query = query.where(AuditEvent.at < until)
    page = db.paginate(query, per_page=50, error_out=False)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    entities = db.session.scalars(
        sa.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)
    ).all()
    return render_template(
        "audit/index.html", page=page, filters=filters, actions=actions, entities=entities
    )
