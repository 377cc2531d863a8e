"""Nomination routes (issue 20) for the access matrix: nominating and My nominations for every
staff role, the CSM's objection page (their own account's nomination by someone else), the
program team's decision and self-nomination review, the public self-nomination pages (switched
on here; visitors and every role see them alike), and the nominations API.

{nomination} is a requester's nomination at the matrix CSM's account; {objection} stands
against another one."""

from __future__ import annotations

from portal.nominations.models import NominationObjection
from portal.program.models import ProgramSetting
from tests.access.common import PROGRAM_ONLY, STAFF_ONLY, expect
from tests.factories import AccountFactory, AdvocateFactory

NOMINATORS = {"advocate": 403}
PUBLIC = expect(200, anonymous=200, executive=200)

ROUTES = [
    ("GET", "/nominations/new", expect(200, **NOMINATORS)),
    ("POST", "/nominations/new", expect(422, **NOMINATORS)),
    ("GET", "/nominations/mine", expect(200, **NOMINATORS)),
    ("GET", "/nominations/accounts", expect(200, **NOMINATORS)),
    # Only the account's own CSM objects; the program team decides instead (404: not theirs).
    ("GET", "/nominations/{nomination}/object", expect(200, **STAFF_ONLY, manager=404, admin=404)),
    (
        "POST",
        "/nominations/{nomination}/object",
        expect(422, **STAFF_ONLY, manager=404, admin=404),
    ),
    ("GET", "/nominations/objections/{objection}", expect(200, **PROGRAM_ONLY)),
    ("POST", "/nominations/objections/999999/uphold", expect(404, **PROGRAM_ONLY)),
    ("POST", "/nominations/objections/999999/overrule", expect(404, **PROGRAM_ONLY)),
    ("GET", "/nominations/self", expect(200, **PROGRAM_ONLY)),
    ("POST", "/nominations/self/999999/attach", expect(404, **PROGRAM_ONLY)),
    ("POST", "/nominations/self/999999/discard", expect(404, **PROGRAM_ONLY)),
    # A window of 0 days is refused: nothing is saved, back to the page.
    ("POST", "/nominations/settings", expect(302, **PROGRAM_ONLY)),
    ("GET", "/nominate", PUBLIC),
    ("POST", "/nominate", expect(422, anonymous=422, executive=422)),
    ("GET", "/nominate/sent", PUBLIC),
    ("GET", "/nominate/confirm/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/nominate/confirm/not-a-token", expect(400, anonymous=400, executive=400)),
    ("GET", "/api/v1/nominations", expect(200, anonymous=401, advocate=403)),
    ("POST", "/api/v1/nominations", expect(422, anonymous=401, advocate=403)),
]

BODIES = {
    ("POST", "/nominations/settings"): {"enabled": "y", "objection_days": "0"},
    ("POST", "/api/v1/nominations"): {"name": ""},
}


def make_ids(users, ids) -> dict:
    from portal.extensions import db

    db.session.merge(ProgramSetting(key="self_nomination_enabled", value=True))
    account = AccountFactory(csm=users["csm"])
    nomination = AdvocateFactory(
        account=account,
        status="nominated",
        nominated_by_id=users["requester"].id,
        nomination_source="requester",
    )
    objected = AdvocateFactory(
        account=account,
        status="nominated",
        nominated_by_id=users["requester"].id,
        nomination_source="requester",
    )
    db.session.flush()
    objection = NominationObjection(
        advocate_id=objected.id, objected_by_id=users["csm"].id, reason="Renewal at risk."
    )
    db.session.add(objection)
    db.session.flush()
    return {"nomination": nomination.id, "objection": objection.id}
