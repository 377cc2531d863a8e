"""Access to the outbox admin pages (program team) and the team-chat setting (administrators)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, PROGRAM_ONLY, expect

ROUTES = [
    ("GET", "/admin/outbox/", expect(200, **PROGRAM_ONLY)),
    ("GET", "/admin/outbox/{outbox_message}", expect(200, **PROGRAM_ONLY)),
    ("GET", "/admin/outbox/999999", expect(404, **PROGRAM_ONLY)),
    ("GET", "/admin/settings/chat", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/chat", expect(422, **ADMIN_ONLY)),  # a bad URL: refused
    ("POST", "/admin/outbox/{outbox_message}/retry", expect(302, **PROGRAM_ONLY)),
    ("POST", "/admin/outbox/retry-failed", expect(302, **PROGRAM_ONLY)),
]

BODIES = {("POST", "/admin/settings/chat"): {"url": "ftp://hooks.example.com", "flavour": "slack"}}


def make_ids(users, ids) -> dict:
    from portal.extensions import db
    from portal.notifications.models import OutboxMessage

    message = OutboxMessage(
        kind="email",
        template="test",
        recipient="someone@customer.example",
        subject="A failed message",
        body_text="Hello",
        status="failed",
        attempts=8,
        last_error="550 No such user here",
    )
    db.session.add(message)
    db.session.flush()
    return {"outbox_message": message.id}
