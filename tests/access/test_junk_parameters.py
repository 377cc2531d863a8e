"""No query string makes a page fail: every GET route of every role, with junk, empty, huge and
wrong-type values for each query parameter its view reads, answers below 500.

The routes come from `app.url_map`, their ids from the access matrix's `world`; the parameters a
view reads are recorded while it answers one normal request, plus common list parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from tests.access.common import ROLES
from tests.access.test_access_matrix import ROUTES, _rule_shape, request, world  # noqa: F401
from tests.conftest import AuthActions
from tests.factories import AccountFactory, AdvocateFactory
from tests.helpers import sign_in

COMMON = (
    "page", "per_page", "q", "sort", "status", "region", "segment", "industry", "year", "start",
    "end", "from", "to", "advocate_id", "account_id", "view", "type", "since", "until", "limit",
)  # fmt: skip
JUNK = (
    "zz",  # not in any vocabulary
    "",
    "-1",
    "0",
    "9223372036854775808",  # 2**63, beyond 64 bits: PostgreSQL raises on it
    "1.5",
    "2026-13-45",  # a date that does not parse
    "9999-12-31",
    "a\x00b",  # PostgreSQL refuses NUL in text
    "x" * 3000,
)
# Routes whose GET changes state or answers a one-off token: not list or detail pages.
SKIP = {"/auth/sign-out"}


class RecordingArgs(ImmutableMultiDict):
    """Query arguments that remember each name a view asks for."""

    asked: set[str] = set()

    def get(self, key, default=None, type=None):  # noqa: A002
        RecordingArgs.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        RecordingArgs.asked.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        RecordingArgs.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingArgs.asked.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    @cached_property
    def args(self):
        return RecordingArgs(super().args)


def _get_pages(app, role, ids) -> list[str]:
    """Paths of every GET rule in the url map, ids filled in, that answer `role` normally."""
    rules = {
        _rule_shape(rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in ("static", "bootstrap.static")
    }
    pages = []
    for method, template, statuses in ROUTES:
        if method != "GET" or template in SKIP or statuses[role] >= 400:
            continue
        if _rule_shape(template) in rules:
            pages.append(template.format(**ids))
    return pages


def _get(app, client, role, tokens, url):
    """GET `url` as the matrix does, read to the end (a streamed CSV closes its context)."""
    response = request(app, client, role, tokens, "GET", url, None)
    response.get_data()
    response.close()
    return response


def _query(names, value) -> str:
    return urlencode({name: value for name in names})


@pytest.mark.parametrize("role", ROLES)
def test_no_query_string_makes_any_page_fail(app_factory, world, role):  # noqa: F811
    users, tokens, ids = world
    # A failure answers 500 as in production instead of raising into the test.
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    app.request_class = RecordingRequest
    client = app.test_client()
    auth = AuthActions(client)
    if role != "anonymous":
        assert auth.login(users[role].email).status_code == 302
    failures = []
    pages = _get_pages(app, role, ids)
    assert len(pages) > 5
    for path in pages:
        RecordingArgs.asked = set()
        normal = _get(app, client, role, tokens, path)
        assert normal.status_code < 500, path
        read = sorted(RecordingArgs.asked)
        names = sorted(set(read) | set(COMMON))
        for value in JUNK:
            # All parameters at once. A refusal (4xx) may come from one parameter before the view
            # reaches another, and a failure must be named: then each parameter the view reads
            # goes alone.
            response = _get(app, client, role, tokens, f"{path}?{_query(names, value)}")
            if response.status_code < 400:
                continue
            alone = {
                name: _get(app, client, role, tokens, f"{path}?{_query([name], value)}").status_code
                for name in (read if response.status_code < 500 else names)
            }
            culprits = [name for name, status in alone.items() if status >= 500]
            if response.status_code >= 500 or culprits:
                failures.append(f"{path} {culprits or names} {value[:20]!r}: 5xx")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/advocates/?region=zz", "region"),
        ("/recruiting/pipeline?region=zz", "region"),
        ("/recruiting/pipeline?segment=zz", "segment"),
        ("/advocates/?account_id=99999999999999999999999", "account_id"),
        ("/accounts/?page=9223372036854775808", "page"),
        ("/admin/audit/?since=2026-13-45&entity_id=99999999999999999999", "since"),
        ("/program/calendar/?from=9999-12-31", "from"),
        ("/admin/users/?q=a%00b", "q"),
    ],
)
def test_list_ignores_a_bad_filter_and_says_it_was_not_applied(db, client, auth, path, shown):
    sign_in(db, auth, role="admin")
    response = client.get(path)
    assert response.status_code == 200
    assert f"The filter “{shown}” was not applied" in response.get_data(as_text=True)


def test_list_applies_a_good_filter_without_a_warning(db, client, auth):
    sign_in(db, auth, role="manager")
    AdvocateFactory(name="Nora North", account=AccountFactory(region="na"))
    AdvocateFactory(name="Emil East", account=AccountFactory(region="emea"))
    db.session.commit()
    body = client.get("/advocates/?region=emea").get_data(as_text=True)
    assert "Emil East" in body
    assert "Nora North" not in body
    assert "was not applied" not in body
