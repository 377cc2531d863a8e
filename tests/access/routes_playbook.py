"""The requesters' playbook (issue 20) for the access matrix: every staff member reads it, the
program team (managers, administrators) changes it."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, expect

ROUTES = [
    ("GET", "/playbook/", expect(200, advocate=403)),
    ("GET", "/program/playbook/", expect(200, **PROGRAM_ONLY)),
    # An entry with no stage and no brief: refused next to its fields, nothing written.
    ("POST", "/program/playbook/{playbook_type}", expect(422, **PROGRAM_ONLY)),
    ("GET", "/api/v1/playbook", expect(200, anonymous=401, advocate=403)),
    ("PUT", "/api/v1/playbook/{playbook_type}", expect(422, anonymous=401, **PROGRAM_ONLY)),
]

BODIES = {
    ("POST", "/program/playbook/{playbook_type}"): {"case_study-brief": ""},
    ("PUT", "/api/v1/playbook/{playbook_type}"): {"stages": [], "brief": ""},
}


def make_ids(users, ids) -> dict:
    return {"playbook_type": "case_study"}
