"""The reports' per-request facts follow every change to an ask, and a rebuild agrees."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.reports.facts import rebuild_request_facts
from portal.reports.models import RequestFacts
from tests.factories import AdvocateFactory, AskFactory, ReferenceRequestFactory


def facts(db):
    return {
        row.request_id: (row.asks, row.accepted, row.completed, row.declined, row.declined_timing)
        for row in db.session.scalars(sa.select(RequestFacts))
    }


def test_facts_follow_asks_placed_answered_and_removed(db):
    request = ReferenceRequestFactory()
    first = AskFactory(request=request)
    second = AskFactory(request=request)
    db.session.commit()
    assert facts(db) == {request.id: (2, 0, 0, 0, 0)}

    first.status = "accepted"
    first.responded_at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    second.status = "declined"
    second.decline_reason = "timing"
    db.session.commit()
    assert facts(db) == {request.id: (2, 1, 0, 1, 1)}
    row = db.session.get(RequestFacts, request.id)
    assert row.first_accept_at == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)

    first.status = "completed"
    db.session.delete(second)
    db.session.commit()
    assert facts(db) == {request.id: (1, 1, 1, 0, 0)}


def test_rebuild_agrees_with_the_hook(db):
    for _ in range(3):
        request = ReferenceRequestFactory()
        AskFactory(request=request, status="completed", advocate=AdvocateFactory())
        AskFactory(request=request, status="declined", decline_reason="timing")
    db.session.commit()
    kept = facts(db)
    db.session.execute(sa.delete(RequestFacts))
    assert rebuild_request_facts() == 3
    db.session.commit()
    assert facts(db) == kept
