"""Access to the Demo inbox (administrators, console delivery only; the test app keeps no copies,
so a message name answers 404 even for an administrator)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    ("GET", "/admin/demo-inbox/", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/demo-inbox/{inbox_message}", expect(404, **ADMIN_ONLY)),
    ("GET", "/admin/demo-inbox/{inbox_message}/attachments/0", expect(404, **ADMIN_ONLY)),
]


def make_ids(users, ids) -> dict:
    return {"inbox_message": "20260101T000000000000Z-1-0123abcd.eml"}
