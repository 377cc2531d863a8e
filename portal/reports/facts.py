"""Keep `report_request_facts` true: whenever a flush touches an ask, the requests it belongs to
are summed up again in the same transaction (as matching's eligibility rows are kept).

Reports then join one narrow row per request instead of scanning every ask. Bulk loads that
write asks with Core inserts call `rebuild_request_facts()`. Status changes written with Core
updates elsewhere only move asks between pending, expired and withdrawn, which change no fact.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from portal.asks.models import Ask
from portal.database import listen_to_flushes, now_utc
from portal.extensions import db
from portal.reports.models import RequestFacts
from portal.vocab import DECLINE_REASONS

_PENDING = "portal.reports.facts.pending"
LIVE = ("accepted", "completed")


def _facts_select(request_ids: Iterable[int] | None = None) -> sa.Select:
    live = Ask.status.in_(LIVE)
    declined = Ask.status == "declined"

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = sa.select(
        Ask.request_id,
        sa.func.count(Ask.id),
        count(live),
        count(Ask.status == "completed"),
        count(declined),
        *[count(sa.and_(declined, Ask.decline_reason == reason)) for reason in DECLINE_REASONS],
        sa.func.min(sa.case((live, Ask.responded_at))),
        sa.literal(now_utc(), RequestFacts.refreshed_at.type),
    ).group_by(Ask.request_id)
    if request_ids is not None:
        query = query.where(Ask.request_id.in_(sorted(request_ids)))
    return query


COLUMNS = [
    "request_id",
    "asks",
    "accepted",
    "completed",
    "declined",
    *[f"declined_{reason}" for reason in DECLINE_REASONS],
    "first_accept_at",
    "refreshed_at",
]


def refresh_requests(request_ids: Iterable[int], connection=None) -> None:
    """Sum up the asks of these requests again (a request without asks keeps no row)."""
    ids = sorted({i for i in request_ids if i is not None})
    if not ids:
        return
    connection = connection or db.session.connection()
    table = RequestFacts.__table__
    connection.execute(sa.delete(table).where(table.c.request_id.in_(ids)))
    connection.execute(sa.insert(table).from_select(COLUMNS, _facts_select(ids)))


def rebuild_request_facts() -> int:
    """Rewrite every request's facts (after a bulk load); how many requests have asks."""
    connection = db.session.connection()
    table = RequestFacts.__table__
    connection.execute(sa.delete(table))
    connection.execute(sa.insert(table).from_select(COLUMNS, _facts_select()))
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _collect(session, flush_context, instances) -> None:
    """Before a flush: the requests whose asks change (the ids are known for asks)."""
    pending = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Ask):
            pending.add(obj.request_id if obj.request_id is not None else obj)


def _apply(session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = {p if isinstance(p, int) else p.request_id for p in pending}
    refresh_requests(ids, session.connection())


def listen() -> None:
    """Install the hook on the application's session (once; safe to call again)."""
    listen_to_flushes(_PENDING, _collect, _apply)
