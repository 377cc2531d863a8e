"""Request queue routes (issue 22) for the access matrix: bulk actions and saved filters, for the
program team only. {saved_filter} belongs to the manager: the admin, also of the program team,
gets 404 for it (never a hint that it exists), as anyone does for another's filter."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, expect

ROUTES = [
    # Sent empty: refused with the queue again (422), nothing written.
    ("POST", "/program/queue/bulk", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/queue/filters", expect(422, **PROGRAM_ONLY)),
    ("GET", "/program/queue/filters/{saved_filter}", expect(302, **PROGRAM_ONLY, admin=404)),
    ("GET", "/program/queue/filters/999999", expect(404, **PROGRAM_ONLY)),
    (
        "POST",
        "/program/queue/filters/{saved_filter}/delete",
        expect(302, **PROGRAM_ONLY, admin=404),
    ),
]


def make_ids(users, ids) -> dict:
    from portal.asks.queue_models import SavedFilter
    from portal.extensions import db

    saved = SavedFilter(
        user_id=users["manager"].id,
        page="queue",
        name="Overdue calls",
        query={"view": "overdue", "activity_type": "reference_call"},
    )
    db.session.add(saved)
    db.session.flush()
    return {"saved_filter": saved.id}
