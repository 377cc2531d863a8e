"""Access matrix rows for the lookups behind the program team's search fields (issue 16)."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, expect

ROUTES = [
    ("GET", "/program/lookup/accounts", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/lookup/advocates", expect(200, **PROGRAM_ONLY)),
]
