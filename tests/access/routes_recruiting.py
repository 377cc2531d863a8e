"""Recruiting routes (issue 6) for the access matrix: customer success, pipeline, nurturing,
targets, import/export, and the invitee's welcome page."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, STAFF_ONLY, expect

ROUTES = [
    ("GET", "/recruiting/accounts", expect(200, **STAFF_ONLY)),
    ("GET", "/recruiting/accounts/{own_account}", expect(200, **STAFF_ONLY)),
    ("GET", "/recruiting/accounts/{other_account}", expect(200, **STAFF_ONLY, csm=404)),
    ("POST", "/recruiting/accounts/{other_account}", expect(422, **STAFF_ONLY, csm=404)),
    ("GET", "/recruiting/asks/999999/veto", expect(404, **STAFF_ONLY)),
    ("POST", "/recruiting/asks/999999/veto", expect(404, **STAFF_ONLY)),
    ("GET", "/recruiting/pipeline", expect(200, **PROGRAM_ONLY)),
    # Customer success nurtures its own accounts' advocates only (others: 404).
    ("GET", "/recruiting/advocates/{own_advocate}", expect(200, **STAFF_ONLY)),
    ("GET", "/recruiting/advocates/{other_advocate}", expect(200, **STAFF_ONLY, csm=404)),
    ("POST", "/recruiting/advocates/{other_advocate}", expect(422, **STAFF_ONLY, csm=404)),
    ("POST", "/recruiting/advocates/{other_advocate}/move", expect(302, **PROGRAM_ONLY)),
    ("GET", "/recruiting/follow-ups", expect(200, **STAFF_ONLY)),
    ("POST", "/recruiting/touchpoints/999999/done", expect(404, **STAFF_ONLY)),
    ("GET", "/recruiting/targets", expect(200, **PROGRAM_ONLY)),
    ("POST", "/recruiting/targets", expect(422, **PROGRAM_ONLY)),
    ("POST", "/recruiting/targets/999999/delete", expect(404, **PROGRAM_ONLY)),
    ("GET", "/recruiting/import", expect(200, **PROGRAM_ONLY)),
    ("POST", "/recruiting/import", expect(422, **PROGRAM_ONLY)),
    ("POST", "/recruiting/import/confirm", expect(302, **PROGRAM_ONLY)),
    ("GET", "/recruiting/export/{accounts_csv}", expect(200, **PROGRAM_ONLY)),
    ("GET", "/welcome/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/welcome/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/welcome/not-a-token/decline", expect(400, anonymous=400, executive=400)),
]

# A move the lifecycle refuses: the board says why and writes nothing.
BODIES = {("POST", "/recruiting/advocates/{other_advocate}/move"): {"status": "paused"}}


def make_ids(users, ids) -> dict:
    """The export's file name stands where the route has a placeholder (`<kind>.csv`)."""
    return {"accounts_csv": "accounts.csv"}
