"""Access matrix rows for the content library and the reports (issue 9)."""

from __future__ import annotations

import datetime as dt

from tests.access.common import NOT_ADVOCATE, PROGRAM_ONLY, expect

ROUTES = [
    ("GET", "/content/", expect(200, **NOT_ADVOCATE, executive=200)),
    ("GET", "/content/{content_live}", expect(200, **NOT_ADVOCATE, executive=200)),
    (
        "GET",
        "/content/{content_draft}",
        expect(404, **NOT_ADVOCATE, manager=200, admin=200, executive=404),
    ),
    (
        "GET",
        "/content/for-request/{own_request}",
        expect(200, **NOT_ADVOCATE, csm=404, executive=404),
    ),
    ("GET", "/program/content/", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/content/unused", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/content/new", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/content/{content_live}/edit", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/content/{content_live}/file", expect(404, **PROGRAM_ONLY)),
    ("GET", "/reports/", expect(200, **PROGRAM_ONLY, executive=200)),
    ("GET", "/reports/{report_name}", expect(200, **PROGRAM_ONLY, executive=200)),
    ("GET", "/reports/{report_name}.csv", expect(200, **PROGRAM_ONLY, executive=200)),
    ("GET", "/api/v1/content", expect(200, anonymous=401, **NOT_ADVOCATE, executive=200)),
    ("GET", "/api/v1/reports/summary", expect(200, anonymous=401, **PROGRAM_ONLY, executive=200)),
    # Sent empty: refused with the form again (422), never a write.
    ("POST", "/content/{content_live}/use", expect(422, **NOT_ADVOCATE, executive=422)),
    ("POST", "/program/content/new", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/content/{content_live}/edit", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/content/{content_draft}/retire", expect(302, **PROGRAM_ONLY)),
]

BODIES = {
    ("POST", "/program/content/{content_live}/edit"): {"title": ""},
}


def make_ids(users, ids) -> dict:
    from portal.content.models import ContentAsset
    from portal.extensions import db

    live = ContentAsset(
        kind="case_study",
        title="Approved story",
        url="https://www.example.com/story",
        approval_status="customer_approved",
        approved_by_customer="A. Customer",
        approved_until=dt.date.today() + dt.timedelta(days=90),
    )
    draft = ContentAsset(kind="quote", title="Draft quote", url="https://www.example.com/q")
    db.session.add_all([live, draft])
    db.session.flush()
    return {"content_live": live.id, "content_draft": draft.id, "report_name": "funnel"}
