"""No GET of a page writes to the database: every GET route of the access matrix, for every
role, sends no INSERT, UPDATE or DELETE, but the few listed below, which must. The asks of the
matrix's world are overdue, so a page that saved expiry on read would be caught."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.asks.models import Ask, ReferenceRequest
from portal.extensions import db
from tests.access.common import ROLES
from tests.access.test_access_matrix import ROUTES, request, world  # noqa: F401 (the fixture)
from tests.queries import QueryCounter, writes

# GETs that must write, each with why. Every one records who took data out or looked at what
# is not theirs, and that record must exist before the data leaves.
MUST_WRITE = {
    "/me/data.json": "the advocate's copy of their own data: the download is audited",
    "/planning/plan.csv": "a CSV export: audited before a byte leaves",
    "/program/benefits/give-get.csv": "a CSV export: audited before a byte leaves",
    "/program/opportunities/activity.csv": "a CSV export: audited before a byte leaves",
    "/recruiting/export/{accounts_csv}": "a CSV export: audited before a byte leaves",
    "/reports/{report_name}.csv": "a CSV export: audited before a byte leaves",
    "/admin/outbox/{outbox_message}": "an e-mail to someone else read by an admin: audited",
    # The demo inbox keeps no copies in tests (404 here); with one, the read is audited.
    "/admin/demo-inbox/{inbox_message}": "a delivered e-mail read by an admin: audited",
    "/admin/demo-inbox/{inbox_message}/attachments/0": "its attachment downloaded: audited",
}

# The JSON API records a token's use; a request read through it (or its matches) shows overdue
# asks expired without saving them, as the pages do.
API_BOOKKEEPING = "UPDATE api_tokens SET last_used_at"


@pytest.fixture
def overdue_world(db, world):  # noqa: F811 (the fixture)
    """The matrix's world with every pending ask past its answer date and every open request
    past its needed-by date."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for ask in db.session.scalars(db.select(Ask).where(Ask.status == "pending")):
        ask.respond_by = past
    for found in db.session.scalars(db.select(ReferenceRequest)):
        found.needed_by = past.date()
    db.session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
def test_no_get_of_a_page_writes(app, client, auth, overdue_world, role):
    users, tokens, ids = overdue_world
    if role != "anonymous":
        assert auth.login(users[role].email).status_code == 302
    written = {}
    for method, template, _ in ROUTES:
        if method != "GET" or template in MUST_WRITE:
            continue
        path = template.format(**ids)
        with QueryCounter(db.engine) as counter:
            request(app, client, role, tokens, method, path, None)
        changed = writes(counter.statements)
        if template.startswith("/api/"):
            changed = [s for s in changed if not s.startswith(API_BOOKKEEPING)]
        if changed:
            written[template] = changed
        if path == "/auth/sessions/revoke-all" and role != "anonymous":
            auth.login(users[role].email)
    assert written == {}


def test_every_get_that_must_write_is_a_get_of_the_matrix():
    """The allow-lists name real routes (a renamed route must not stay excused)."""
    gets = {template for method, template, _ in ROUTES if method == "GET"}
    assert set(MUST_WRITE) <= gets
