"""Access to the probes and the metrics: the probes answer everyone (no session, no consent),
/metrics answers no one without the metrics token (none is configured here: 404)."""

from __future__ import annotations

from tests.access.common import expect

ROUTES = [
    ("GET", "/healthz", expect(200, anonymous=200, executive=200)),
    ("GET", "/readyz", expect(200, anonymous=200, executive=200)),
    ("GET", "/metrics", expect(404, anonymous=404, executive=404)),
]

BODIES: dict = {}


def make_ids(users, ids) -> dict:
    """A running worker, so /readyz is ready."""
    from portal.operations import service

    service.register_worker("matrix:2:probe")
    return {}
