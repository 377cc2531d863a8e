"""Access to the background jobs page (administrators only)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    ("GET", "/admin/jobs", expect(200, **ADMIN_ONLY)),
]

BODIES: dict = {}


def make_ids(users, ids) -> dict:
    """A worker and a run of each kind, so the page renders every part."""
    from portal.database import now_utc
    from portal.extensions import db
    from portal.operations import service

    now = now_utc()
    service.register_worker("matrix:1:aaaa", now)
    service.ensure_schedules(now)
    run = service.record_run_start("expire-asks", "matrix:1:aaaa", now)
    service.record_run_finish(run, summary="Expired 0 asks and 0 requests.")
    failed = service.record_run_start("send-digests", "matrix:1:aaaa", now)
    service.record_run_finish(failed, error="RuntimeError: no digests today")
    service.record_run_start("send-reminders", "matrix:1:aaaa", now)
    db.session.flush()
    return {}
