"""The reports' per-request facts follow every change to a request and to its asks, and a
rebuild agrees with what the hook kept."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import sqlalchemy as sa

from portal.asks.models import Ask
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


def request_facts(db, request_id):
    row = db.session.get(RequestFacts, request_id)
    db.session.refresh(row)
    return (
        row.status,
        row.activity_type,
        row.opportunity_key,
        row.outcome,
        row.amount,
        row.closed_on,
        row.industry,
        row.asks,
    )


def test_facts_follow_the_request_itself(db):
    request = ReferenceRequestFactory(
        status="draft",
        activity_type="case_study",
        needed_by=dt.date(2026, 5, 1),
        criteria={"industries": ["banking", "retail"]},
    )
    db.session.commit()
    key = f"request-{request.id}"
    # A request without asks has its row too: the funnel counts it as submitted.
    assert request_facts(db, request.id) == (
        "draft",
        "case_study",
        key,
        "open",
        None,
        dt.date(2026, 5, 1),
        "banking",
        0,
    )

    request.status = "submitted"
    request.opportunity_crm_id = "006-ACME"
    request.opportunity_outcome = "won"
    request.opportunity_amount = Decimal("120000.00")
    request.opportunity_close_date = dt.date(2026, 6, 15)
    request.criteria = {"industries": ["retail"]}
    db.session.commit()
    assert request_facts(db, request.id) == (
        "submitted",
        "case_study",
        "006-ACME",
        "won",
        Decimal("120000.00"),
        dt.date(2026, 6, 15),
        "retail",
        0,
    )

    db.session.delete(request)
    db.session.commit()
    assert db.session.get(RequestFacts, request.id) is None


def test_rebuild_agrees_with_the_hook(db):
    for n in range(3):
        request = ReferenceRequestFactory(opportunity_crm_id=f"006-{n}", opportunity_outcome="lost")
        AskFactory(request=request, status="completed", advocate=AdvocateFactory())
        AskFactory(request=request, status="declined", decline_reason="timing")
    bare = ReferenceRequestFactory()
    db.session.commit()
    ids = sorted(facts(db))
    kept = facts(db), [request_facts(db, i) for i in ids]
    db.session.execute(sa.delete(RequestFacts))
    assert rebuild_request_facts() == 4
    db.session.commit()
    assert facts(db)[bare.id] == (0, 0, 0, 0, 0)
    assert (facts(db), [request_facts(db, i) for i in ids]) == kept


def test_two_writers_on_one_request_keep_its_facts(app, db):
    """Two managers place asks on one request at the same moment: the second waits for the
    first, then both asks are counted (no duplicate row, no lost ask)."""
    request = ReferenceRequestFactory(status="in_progress")
    advocates = [AdvocateFactory().id, AdvocateFactory().id]
    db.session.commit()
    request_id = request.id
    first_flushed = threading.Event()
    errors = []

    def place(advocate_id: int, first: bool) -> None:
        with app.app_context():
            from portal.extensions import db as thread_db

            try:
                if not first:
                    assert first_flushed.wait(timeout=30)
                thread_db.session.add(
                    Ask(
                        request_id=request_id,
                        advocate_id=advocate_id,
                        respond_by=dt.datetime.now(dt.UTC) + dt.timedelta(days=5),
                    )
                )
                thread_db.session.flush()
                if first:
                    first_flushed.set()
                    time.sleep(0.5)  # the second writer is now at the same request, waiting
                thread_db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                thread_db.session.rollback()
                errors.append(repr(error))
            finally:
                thread_db.session.remove()

    threads = [
        threading.Thread(target=place, args=(advocate_id, n == 0))
        for n, advocate_id in enumerate(advocates)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert facts(db)[request_id] == (2, 0, 0, 0, 0)
