"""Times to meet for an accepted ask (issue 22) in the access matrix: the requester's and the
program team's request pages book and propose, the advocate's ask page offers and picks, and
the API lists, offers and picks.

By the time this area runs {own_ask} is withdrawn (its request was cancelled) and {self_ask}
is pending: an offer on either is refused (422 on pages, 409 in the API, a note on the
advocate's page), never written. Slot 999999 exists nowhere: 404 for whoever may act on the
ask. A CSM whose request it is not gets 404, as for the ask itself."""

from __future__ import annotations

from tests.access.common import ADVOCATE_ONLY, PROGRAM_ONLY, expect

ROUTES = [
    ("POST", "/requests/asks/{own_ask}/slots", expect(422, advocate=403, csm=404)),
    ("POST", "/requests/asks/{own_ask}/slots/999999/book", expect(404, advocate=403)),
    ("POST", "/program/asks/{own_ask}/slots", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/asks/{own_ask}/slots/999999/book", expect(404, **PROGRAM_ONLY)),
    ("POST", "/me/asks/{self_ask}/slots", expect(302, **ADVOCATE_ONLY)),
    ("POST", "/me/asks/{other_ask}/slots", expect(404, **ADVOCATE_ONLY)),
    ("POST", "/me/asks/{self_ask}/slots/999999/pick", expect(404, **ADVOCATE_ONLY)),
    (
        "GET",
        "/api/v1/asks/{own_ask}/slots",
        expect(200, anonymous=401, advocate=404, csm=404, executive=404),
    ),
    (
        "GET",
        "/api/v1/asks/{self_ask}/slots",
        expect(200, anonymous=401, requester=404, csm=404, executive=404),
    ),
    (
        "POST",
        "/api/v1/asks/{own_ask}/slots",
        expect(409, anonymous=401, advocate=404, csm=404, executive=404),
    ),
    (
        "POST",
        "/api/v1/asks/{self_ask}/slots/999999/pick",
        expect(404, anonymous=401, executive=404),
    ),
]

BODIES = {
    ("POST", "/requests/asks/{own_ask}/slots"): {"starts_at": "2027-01-12T15:00"},
    ("POST", "/program/asks/{own_ask}/slots"): {"starts_at": "2027-01-12T15:00"},
    ("POST", "/me/asks/{self_ask}/slots"): {"starts_at": "2027-01-12T15:00"},
    ("POST", "/api/v1/asks/{own_ask}/slots"): {"starts_at": ["2027-01-12T15:00:00+01:00"]},
}
