"""Reference directory routes (issue 22) for the access matrix: the page and the API list are
for the people who file requests (requesters, CSMs, the program team); advocates get 403."""

from __future__ import annotations

from tests.access.common import expect

ROUTES = [
    ("GET", "/directory/", expect(200, advocate=403)),
    ("GET", "/api/v1/directory", expect(200, anonymous=401, advocate=403)),
]
