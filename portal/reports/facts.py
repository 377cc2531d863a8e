"""Keep `report_request_facts` true: whenever a flush touches a reference request or one of its
asks, that request's row is written again in the same transaction (as matching's eligibility
rows are kept).

Reports then read one narrow row per request instead of the wide request rows joined to every
ask. Requests and asks are only ever written through the ORM; bulk loads that write them
with Core inserts (the demo, the benchmarks) call `rebuild_request_facts()` afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import sqlalchemy as sa

from portal.asks.models import Ask, ReferenceRequest
from portal.database import listen_to_flushes, now_utc
from portal.extensions import db
from portal.reports.models import ASK_FACTS, RequestFacts
from portal.vocab import DECLINE_REASONS

_PENDING = "portal.reports.facts.pending"
LIVE = ("accepted", "completed")


def opportunity_key(request=ReferenceRequest):
    """SQL: the opportunity a request belongs to (its CRM id, else the request itself)."""
    return sa.func.coalesce(
        request.opportunity_crm_id, sa.literal("request-") + sa.cast(request.id, sa.String)
    )


def _facts_select(some: bool) -> sa.Select:
    """Every request's facts; with `some`, those of the requests in the bound list `ids`. The
    time of the refresh is bound as `now`."""
    rr = ReferenceRequest
    live = Ask.status.in_(LIVE)
    declined = Ask.status == "declined"

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (
        sa.select(
            rr.id,
            rr.requester_id,
            rr.activity_type,
            rr.status,
            rr.created_at,
            opportunity_key(),
            rr.opportunity_outcome,
            rr.opportunity_amount,
            sa.func.coalesce(rr.opportunity_close_date, rr.needed_by),
            rr.criteria[("industries", 0)].as_string(),
            sa.func.count(Ask.id),
            count(live),
            count(Ask.status == "completed"),
            count(declined),
            *[count(sa.and_(declined, Ask.decline_reason == reason)) for reason in DECLINE_REASONS],
            sa.func.min(sa.case((live, Ask.responded_at))),
            rr.notice_days,
            rr.rush,
            sa.bindparam("now", type_=RequestFacts.refreshed_at.type),
        )
        .select_from(rr)
        .outerjoin(Ask, Ask.request_id == rr.id)
        .group_by(rr.id)
    )
    if some:
        query = query.where(rr.id.in_(sa.bindparam("ids", expanding=True)))
    return query


COLUMNS = [
    "request_id",
    "requester_id",
    "activity_type",
    "status",
    "created_at",
    "opportunity_key",
    "outcome",
    "amount",
    "closed_on",
    "industry",
    *ASK_FACTS,
    "refreshed_at",
]


@functools.cache
def _statements(some: bool) -> tuple[sa.Select, sa.Delete, sa.Insert]:
    """The lock, delete and insert of a refresh, built once (only their parameters change):
    with `some`, of the requests in the bound list `ids`, else of every request."""
    table = RequestFacts.__table__
    # Writers of one request take turns at the lock (in id order, so never crosswise): the
    # next one's DELETE then sees the row the previous one wrote, and its INSERT counts that
    # one's asks. NO KEY UPDATE does not wait for the key-share locks of new asks' foreign
    # keys. (SQLite has one writer at a time anyway.)
    lock = (
        sa.select(ReferenceRequest.id)
        .where(ReferenceRequest.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(ReferenceRequest.id)
        .with_for_update(key_share=True)
    )
    delete = sa.delete(table)
    if some:
        delete = delete.where(table.c.request_id.in_(sa.bindparam("ids", expanding=True)))
    return lock, delete, sa.insert(table).from_select(COLUMNS, _facts_select(some))


def refresh_requests(request_ids: Iterable[int], connection=None) -> None:
    """Write these requests' rows again (a request that is gone keeps no row)."""
    ids = sorted({i for i in request_ids if i is not None})
    if not ids:
        return
    connection = connection or db.session.connection()
    lock, delete, insert = _statements(True)
    if connection.dialect.name == "postgresql":
        connection.execute(lock, {"ids": ids})
    connection.execute(delete, {"ids": ids})
    connection.execute(insert, {"ids": ids, "now": now_utc()})


def rebuild_request_facts() -> int:
    """Rewrite every request's row (after a bulk load); how many requests there are."""
    connection = db.session.connection()
    _, delete, insert = _statements(False)
    connection.execute(delete)
    connection.execute(insert, {"now": now_utc()})
    table = RequestFacts.__table__
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _collect(session, flush_context, instances) -> None:
    """Before a flush: the requests that change, themselves or through an ask (a new
    request or ask is kept as the object: its id is known only after the flush)."""
    pending = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Ask):
            pending.add(obj.request_id if obj.request_id is not None else obj)
        elif isinstance(obj, ReferenceRequest):
            pending.add(obj.id if obj.id is not None else obj)


def _request_id(item) -> int | None:
    if isinstance(item, int):
        return item
    if isinstance(item, Ask):
        return item.request_id
    return item.id


def _apply(session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    refresh_requests({_request_id(item) for item in pending}, session.connection())


def listen() -> None:
    """Install the hook on the application's session (once; safe to call again)."""
    listen_to_flushes(_PENDING, _collect, _apply)
