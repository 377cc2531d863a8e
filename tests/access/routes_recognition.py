"""Recognition routes (issue 20) for the access matrix: scorecards for staff (their own) and
executives (everyone's), the program team's recognition settings, and the scorecards API."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, expect

ROUTES = [
    ("GET", "/recognition/", expect(200, advocate=403, executive=200)),
    ("GET", "/recognition/?period=1999-Q5", expect(422, advocate=403, executive=422)),
    ("GET", "/recognition/settings", expect(200, **PROGRAM_ONLY)),
    ("POST", "/recognition/settings", expect(302, **PROGRAM_ONLY)),  # unticked: stays off
    ("GET", "/api/v1/scorecards", expect(200, anonymous=401, advocate=403, executive=200)),
    (
        "GET",
        "/api/v1/scorecards?period=someday",
        expect(400, anonymous=401, advocate=403, executive=400),
    ),
]
