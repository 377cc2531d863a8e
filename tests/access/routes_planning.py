"""Planning routes (issue 20) for the access matrix: the plan, its CSV, planned needs and
initiatives, and the planning API.

Every member of staff and executives read the plan; staff plan needs. {own_need} is the
signed-in requester's (a CSM may not change it), {other_need} the manager's (only the program
team changes it); initiatives are the program team's. Removals come last."""

from __future__ import annotations

from portal.planning.models import Initiative, PlannedNeed
from tests.access.common import PROGRAM_ONLY, expect

READERS = {"advocate": 403, "executive": 200}  # every other signed-in role reads too
PLANNERS = {"advocate": 403, "executive": 403}
NOT_OWNER = {"advocate": 403, "executive": 403, "requester": 403, "csm": 403}
PROGRAM = {**PROGRAM_ONLY, "executive": 403}
API = {"anonymous": 401}

ROUTES = [
    ("GET", "/planning/", expect(200, **READERS)),
    ("GET", "/planning/plan.csv", expect(200, **READERS)),
    ("GET", "/planning/initiatives", expect(200, **READERS)),
    ("GET", "/planning/needs/new", expect(200, **PLANNERS)),
    ("POST", "/planning/needs/new", expect(422, **PLANNERS)),
    ("GET", "/planning/needs/{own_need}/edit", expect(200, **PLANNERS, csm=403)),
    ("POST", "/planning/needs/{own_need}/edit", expect(422, **PLANNERS, csm=403)),
    ("GET", "/planning/needs/{other_need}/edit", expect(200, **NOT_OWNER)),
    ("POST", "/planning/needs/{other_need}/edit", expect(422, **NOT_OWNER)),
    ("GET", "/planning/needs/999999/edit", expect(404, **PLANNERS)),
    ("POST", "/planning/initiatives", expect(422, **PROGRAM)),
    ("GET", "/planning/initiatives/{initiative}/edit", expect(200, **PROGRAM)),
    ("POST", "/planning/initiatives/{initiative}/edit", expect(422, **PROGRAM)),
    ("GET", "/api/v1/planned-needs", expect(200, **API, **READERS)),
    ("GET", "/api/v1/planned-needs/{other_need}", expect(200, **API, **READERS)),
    ("GET", "/api/v1/planned-needs/999999", expect(404, **API, advocate=403, executive=404)),
    ("GET", "/api/v1/planning/gap", expect(200, **API, **READERS)),
    ("POST", "/api/v1/planned-needs", expect(422, **API, **PLANNERS)),
    ("PATCH", "/api/v1/planned-needs/{own_need}", expect(422, **API, **PLANNERS, csm=403)),
    ("PATCH", "/api/v1/planned-needs/{other_need}", expect(422, **API, **NOT_OWNER)),
    # Removals last: they take the objects above away.
    ("POST", "/planning/needs/999999/delete", expect(404, **PLANNERS)),
    ("POST", "/planning/needs/{own_need}/delete", expect(302, **PLANNERS, csm=403)),
    ("DELETE", "/api/v1/planned-needs/{other_need}", expect(204, **API, **NOT_OWNER)),
    ("POST", "/planning/initiatives/{initiative}/delete", expect(302, **PROGRAM)),
]

BODIES = {
    ("POST", "/planning/needs/{own_need}/edit"): {"title": ""},
    ("POST", "/planning/needs/{other_need}/edit"): {"title": ""},
    ("POST", "/planning/initiatives/{initiative}/edit"): {"name": ""},
    ("POST", "/api/v1/planned-needs"): {"title": ""},
    ("PATCH", "/api/v1/planned-needs/{own_need}"): {"count_needed": 0},
    ("PATCH", "/api/v1/planned-needs/{other_need}"): {"count_needed": 0},
}


def make_ids(users, ids) -> dict:
    import datetime as dt

    from portal.extensions import db

    initiative = Initiative(kind="launch", name="Launch of Payments 2", created_by_id=None)
    soon = dt.date.today() + dt.timedelta(days=20)
    own = PlannedNeed(
        title="Banking calls",
        activity_type="reference_call",
        count_needed=3,
        needed_by=soon,
        owner_id=users["requester"].id,
        owner_team="sales",
        initiative=initiative,
    )
    other = PlannedNeed(
        title="Launch stories",
        activity_type="case_study",
        count_needed=2,
        needed_by=soon,
        owner_id=users["manager"].id,
        owner_team="program",
    )
    db.session.add_all([initiative, own, other])
    db.session.flush()
    return {"own_need": own.id, "other_need": other.id, "initiative": initiative.id}
