"""The advocate thanked (issue 20) for the access matrix: an advocate's feedback on their own
activity (page and API), a deal's "tell the advocates" switch (program team), and the program's
sharing settings (administrators).

{self_ask} is the signed-in advocate's pending ask: feedback is refused until the activity has
taken place (a flash and a redirect on the page, 409 in the API); others may not write it."""

from __future__ import annotations

from portal.opportunities.models import Opportunity
from tests.access.common import ADMIN_ONLY, ADVOCATE_ONLY, PROGRAM_ONLY, expect

ROUTES = [
    ("POST", "/me/asks/{self_ask}/feedback", expect(302, **ADVOCATE_ONLY)),
    (
        "PUT",
        "/api/v1/asks/{self_ask}/feedback",
        expect(403, anonymous=401, advocate=409),
    ),
    ("POST", "/program/opportunities/{thanks_deal}/share-outcome", expect(302, **PROGRAM_ONLY)),
    ("GET", "/admin/settings/thanks", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/thanks", expect(302, **ADMIN_ONLY)),
]

BODIES = {
    ("POST", "/me/asks/{self_ask}/feedback"): {"feedback": "Too early"},
    ("PUT", "/api/v1/asks/{self_ask}/feedback"): {"feedback": "Too early"},
}


def make_ids(users, ids) -> dict:
    from portal.extensions import db

    deal = Opportunity(crm_id="OPP-THANKS", name="A deal to share", outcome="won")
    db.session.add(deal)
    db.session.flush()
    return {"thanks_deal": deal.crm_id}
