"""Reading reference requests: the list query (views, filters, search) with what a list loads,
and a request's timeline in words."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.asks.asks import SHOWN_EXPIRED
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.requests import OPEN_REQUEST_STATUSES, _may_manage
from portal.extensions import db

DUE_SOON_DAYS = 7


def list_loads() -> tuple:
    """What a list of requests shows of each (asks, requester, manager), loaded in three
    statements whatever the number of rows: `requests_query(...).options(*list_loads())`."""
    return (
        sa.orm.selectinload(ReferenceRequest.asks),
        sa.orm.joinedload(ReferenceRequest.requester),
        sa.orm.joinedload(ReferenceRequest.manager),
    )


def requests_query(actor, filters: dict | None = None) -> sa.Select:
    """Requests the actor may see, newest first, narrowed by `filters`:
    status, view (new|due_soon|overdue|mine|assigned|open), q (prospect/opportunity)."""
    filters = filters or {}
    query = sa.select(ReferenceRequest)
    if not _may_manage(actor):
        query = query.where(ReferenceRequest.requester_id == actor.id)
    status = filters.get("status")
    if status:
        query = query.where(ReferenceRequest.status == status)
    today = dt.date.today()
    view = filters.get("view")
    is_open = ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES)
    if view == "new":
        query = query.where(ReferenceRequest.status == "submitted")
    elif view == "due_soon":
        query = query.where(
            is_open,
            ReferenceRequest.needed_by >= today,
            ReferenceRequest.needed_by <= today + dt.timedelta(days=DUE_SOON_DAYS),
        )
    elif view == "overdue":
        query = query.where(is_open, ReferenceRequest.needed_by < today)
    elif view == "assigned":
        query = query.where(is_open, ReferenceRequest.manager_id == actor.id)
    elif view == "open":
        query = query.where(is_open)
    elif view == "mine":
        query = query.where(ReferenceRequest.requester_id == actor.id)
    if filters.get("requester_id"):
        query = query.where(ReferenceRequest.requester_id == filters["requester_id"])
    text = (filters.get("q") or "").strip()
    if text:
        query = query.where(
            sa.or_(
                *(
                    # % and _ are letters of the search, not wildcards
                    sa.func.lower(column).contains(text.lower(), autoescape=True)
                    for column in (
                        ReferenceRequest.prospect_company,
                        ReferenceRequest.opportunity_name,
                        ReferenceRequest.opportunity_crm_id,
                    )
                )
            )
        )
    if view in ("due_soon", "overdue", "new", "assigned", "open"):
        return query.order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
    return query.order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())


TIMELINE_WORDS = {
    "request.drafted": "Draft saved",
    "request.copied": "Started as a copy of an earlier request",
    "request.submitted": "Submitted to the reference team",
    "request.updated": "Details changed",
    "request.assigned": "Assigned to a reference manager",
    "request.commented": "Comment added",
    "request.fulfilled": "Fulfilled: enough advocates accepted",
    "request.completed": "Completed",
    "request.cancelled": "Cancelled",
    "request.expired": "Expired: the needed-by date passed",
    "request.outcome": "Opportunity outcome recorded",
    "ask.placed": "Asked {advocate}",
    "ask.accepted": "{advocate} accepted",
    "ask.declined": "{advocate} declined",
    "ask.expired": "The ask to {advocate} expired unanswered",
    "ask.withdrawn": "The ask to {advocate} was withdrawn",
    "ask.vetoed": "The account's customer success manager stopped the ask to {advocate}",
    "request.reopened": "Reopened: an advocate who had accepted backed out",
    "ask.slots_offered": "Times offered for the activity with {advocate}",
    "ask.slot_picked": "A time was picked for the activity with {advocate}",
    "ask.scheduled": "Scheduled with {advocate}",
    "ask.rescheduled": "Rescheduled with {advocate}",
    "ask.completed": "Completed with {advocate}",
    "ask.rated": "Rated the reference by {advocate}",
}


def request_timeline(request: ReferenceRequest) -> list[dict]:
    """The request's history in words, oldest first, from its audit events and its asks'."""
    from portal.audit.models import AuditEvent

    asks = {ask.id: ask for ask in request.asks}
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(
                    AuditEvent.entity == ReferenceRequest.__tablename__,
                    AuditEvent.entity_id == request.id,
                ),
                sa.and_(AuditEvent.entity == Ask.__tablename__, AuditEvent.entity_id.in_(asks)),
            )
        )
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    timeline = []
    for event in events:
        words = TIMELINE_WORDS.get(event.action)
        if words is None:
            continue
        ask = asks.get(event.entity_id) if event.entity == Ask.__tablename__ else None
        text = words.format(advocate=ask.advocate.name if ask else "")
        if event.action == "request.cancelled" and (event.data or {}).get("reason"):
            text += f": {event.data['reason']}"
        timeline.append(
            {"at": event.at, "text": text, "actor": event.actor, "action": event.action}
        )
    return sorted(timeline + _shown_expiry(request), key=lambda entry: entry["at"])


def _shown_expiry(request: ReferenceRequest) -> list[dict]:
    """The expiry a page shows before the expire-asks job saves (and audits) it."""
    entries = []
    for row, action in [(request, "request.expired")] + [(a, "ask.expired") for a in request.asks]:
        at = sa.inspect(row).info.get(SHOWN_EXPIRED)
        if at is not None:
            advocate = row.advocate.name if action == "ask.expired" else ""
            text = TIMELINE_WORDS[action].format(advocate=advocate)
            entries.append({"at": at, "text": text, "actor": None, "action": action})
    return entries
