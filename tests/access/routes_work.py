"""Work in progress routes (issue 20) for the access matrix: the page for every staff role and
the read-only executive, joining an activity (people who file requests), linking one to a
request (the program team), and the API.

{work_request} is a request of the signed-in requester's; {work_ask} an accepted ask of
someone else's request at an account no one of theirs works with (a requester gets 404: no hint
it exists)."""

from __future__ import annotations

from tests.access.common import PROGRAM_ONLY, expect
from tests.factories import AskFactory, ReferenceRequestFactory

ROUTES = [
    ("GET", "/work/", expect(200, advocate=403, executive=200)),
    ("GET", "/api/v1/work", expect(200, anonymous=401, advocate=403, executive=200)),
    # No request chosen: the program team and CSMs are sent back with the reason.
    ("POST", "/work/asks/{work_ask}/join", expect(302, advocate=403, requester=302)),
    ("POST", "/work/asks/999999/join", expect(404, advocate=403)),
    ("POST", "/work/requests/{work_request}/shared-asks", expect(302, **PROGRAM_ONLY)),
    (
        "POST",
        "/api/v1/requests/{work_request}/shared-asks",
        expect(422, anonymous=401, advocate=403, requester=403, csm=403),
    ),
]

BODIES = {
    ("POST", "/work/asks/{work_ask}/join"): {},
    ("POST", "/work/requests/{work_request}/shared-asks"): {},
    ("POST", "/api/v1/requests/{work_request}/shared-asks"): {"ask_id": "x"},
}


def make_ids(users, ids) -> dict:
    from portal.extensions import db

    request = ReferenceRequestFactory(requester=users["requester"], status="submitted")
    ask = AskFactory(status="accepted")
    db.session.flush()
    return {"work_request": request.id, "work_ask": ask.id}
