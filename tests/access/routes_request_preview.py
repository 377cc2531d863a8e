"""The request form's preview (issue 22) for the access matrix: whoever files requests."""

from __future__ import annotations

from tests.access.common import expect

ROUTES = [
    ("GET", "/requests/preview", expect(200, advocate=403)),
]
