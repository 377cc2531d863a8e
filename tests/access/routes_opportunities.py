"""Opportunity routes (issue 19) for the access matrix: the deal pages and the CRM import for
the program team, a deal's page for the sellers who may see it, the activity export, the
opportunities API, PATCH on a request, and the suggested candidates of recruiting.

{other_deal} is owned in the CRM by someone else (a requester or CSM gets 404, never a hint it
exists); {seller_deal} is owned by the signed-in requester, and {patch_request} is theirs."""

from __future__ import annotations

from portal.opportunities.models import Opportunity
from tests.access.common import PROGRAM_ONLY, STAFF_ONLY, expect
from tests.factories import ReferenceRequestFactory

ROUTES = [
    ("GET", "/program/opportunities/", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/opportunities/new", expect(200, **PROGRAM_ONLY)),
    ("POST", "/program/opportunities/new", expect(422, **PROGRAM_ONLY)),
    (
        "GET",
        "/program/opportunities/{other_deal}",
        expect(200, advocate=403, requester=404, csm=404),
    ),
    ("GET", "/program/opportunities/{seller_deal}", expect(200, advocate=403, csm=404)),
    ("GET", "/program/opportunities/{other_deal}/edit", expect(200, **PROGRAM_ONLY)),
    ("POST", "/program/opportunities/{other_deal}/edit", expect(422, **PROGRAM_ONLY)),
    ("GET", "/program/opportunities/activity.csv", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/opportunities/import", expect(200, **PROGRAM_ONLY)),
    ("POST", "/program/opportunities/import", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/opportunities/import/confirm", expect(302, **PROGRAM_ONLY)),
    ("GET", "/api/v1/opportunities", expect(200, anonymous=401, advocate=403)),
    (
        "GET",
        "/api/v1/opportunities/{other_deal}",
        expect(200, anonymous=401, advocate=403, requester=404, csm=404),
    ),
    (
        "GET",
        "/api/v1/opportunities/{seller_deal}",
        expect(200, anonymous=401, advocate=403, csm=404),
    ),
    # Only the program team writes deals; a refused body writes nothing.
    (
        "PUT",
        "/api/v1/opportunities/{other_deal}",
        expect(422, anonymous=401, advocate=403, requester=403, csm=403),
    ),
    (
        "PATCH",
        "/api/v1/requests/{patch_request}",
        expect(422, anonymous=401, advocate=403, csm=404),
    ),
    ("GET", "/recruiting/suggestions", expect(200, **STAFF_ONLY)),
    ("POST", "/recruiting/suggestions/999999/nominate", expect(404, **STAFF_ONLY)),
    ("POST", "/recruiting/suggestions/999999/dismiss", expect(404, **STAFF_ONLY)),
]

BODIES = {
    ("POST", "/program/opportunities/{other_deal}/edit"): {"name": ""},
    ("PUT", "/api/v1/opportunities/{other_deal}"): {"outcome": None},
    ("PATCH", "/api/v1/requests/{patch_request}"): {"needed_by": "not-a-date"},
}


def make_ids(users, ids) -> dict:
    from portal.extensions import db

    other = Opportunity(crm_id="OPP-OTHER", name="Someone else's deal", outcome="open")
    other.owner_email = "seller@elsewhere.example"
    seller = Opportunity(crm_id="OPP-SELLER", name="The requester's deal", outcome="open")
    seller.owner_email = users["requester"].email
    db.session.add_all([other, seller])
    # Its own request: the matrix's {own_request} is cancelled by the time this area runs.
    patched = ReferenceRequestFactory(requester=users["requester"])
    db.session.flush()
    return {"other_deal": other.crm_id, "seller_deal": seller.crm_id, "patch_request": patched.id}
