"""Every route, for a visitor and each role, answers the expected status.

An advocate never reads another advocate or an internal page; a CSM sees only the advocates of
their own accounts. A new route must be added to ROUTES (the completeness test says so).
"""

from __future__ import annotations

import pytest

from portal.auth.service import create_api_token
from tests.factories import AccountFactory, AdvocateFactory, UserFactory, advocate_with_login

ROLES = ("anonymous", "advocate", "requester", "csm", "manager", "admin")
SIGN_IN = 302  # a visitor is sent to the sign-in page

# (method, path template, {role: status}); {own_account} is the CSM's account, {other_account}
# another CSM's; {self_advocate} is the signed-in advocate's record, {other_advocate} another's.
STAFF_ONLY = {"advocate": 403, "requester": 403}
PROGRAM_ONLY = {"advocate": 403, "requester": 403, "csm": 403}
ADMIN_ONLY = {"advocate": 403, "requester": 403, "csm": 403, "manager": 403}


def expect(default, anonymous=SIGN_IN, **per_role):
    statuses = dict.fromkeys(ROLES, default)
    statuses["anonymous"] = anonymous
    statuses.update(per_role)
    return statuses


ROUTES = [
    ("GET", "/", expect(302)),
    # Forms sent empty: refused with the form again (422), never a write.
    ("POST", "/auth/sign-in", expect(302, anonymous=200)),
    ("POST", "/auth/password", expect(200)),
    ("POST", "/auth/forgot", expect(200, anonymous=200)),
    ("POST", "/auth/reset/not-a-token", expect(400, anonymous=400)),
    ("POST", "/auth/invitation/not-a-token", expect(400, anonymous=400)),
    ("POST", "/accounts/new", expect(422, **STAFF_ONLY)),
    ("POST", "/accounts/{other_account}/edit", expect(422, **STAFF_ONLY, csm=403)),
    ("POST", "/advocates/new", expect(422, **STAFF_ONLY)),
    ("POST", "/advocates/{other_advocate}/edit", expect(422, **STAFF_ONLY, csm=404)),
    ("POST", "/admin/users/new", expect(422, **ADMIN_ONLY)),
    ("POST", "/admin/users/{requester_user}", expect(422, **ADMIN_ONLY)),
    ("GET", "/home", expect(200)),
    ("GET", "/auth/sign-in", expect(302, anonymous=200)),
    ("GET", "/auth/forgot", expect(200, anonymous=200)),
    ("GET", "/auth/password", expect(200)),
    ("GET", "/auth/reset/not-a-token", expect(400, anonymous=400)),
    ("GET", "/auth/invitation/not-a-token", expect(400, anonymous=400)),
    ("POST", "/auth/sign-out", expect(302)),
    ("GET", "/accounts/", expect(200, **STAFF_ONLY)),
    ("GET", "/accounts/new", expect(200, **STAFF_ONLY)),
    ("GET", "/accounts/{own_account}", expect(200, **STAFF_ONLY)),
    ("GET", "/accounts/{other_account}", expect(200, **STAFF_ONLY)),
    ("GET", "/accounts/{own_account}/edit", expect(200, **STAFF_ONLY)),
    ("GET", "/accounts/{other_account}/edit", expect(200, **STAFF_ONLY, csm=403)),
    ("GET", "/accounts/999999", expect(404, **STAFF_ONLY)),
    ("GET", "/advocates/", expect(200, **STAFF_ONLY)),
    ("GET", "/advocates/new", expect(200, **STAFF_ONLY)),
    ("GET", "/advocates/{own_advocate}", expect(200, **STAFF_ONLY)),
    ("GET", "/advocates/{other_advocate}", expect(200, **STAFF_ONLY, csm=404)),
    ("GET", "/advocates/{self_advocate}", expect(200, **STAFF_ONLY, csm=404)),
    ("GET", "/advocates/{own_advocate}/edit", expect(200, **STAFF_ONLY)),
    ("GET", "/advocates/{other_advocate}/edit", expect(200, **STAFF_ONLY, csm=404)),
    ("POST", "/advocates/{other_advocate}/status", expect(302, **STAFF_ONLY, csm=403)),
    ("GET", "/advocates/999999", expect(404, **STAFF_ONLY)),
    ("GET", "/admin/users/", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/users/new", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/users/{requester_user}", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/users/{requester_user}/invitation", expect(302, **ADMIN_ONLY)),
    ("GET", "/admin/audit/", expect(200, **ADMIN_ONLY)),
    ("GET", "/me/asks/answer/accept/not-a-token", expect(400, anonymous=400)),
    ("POST", "/me/asks/answer/decline/not-a-token", expect(400, anonymous=400)),
    ("GET", "/me/asks/answered/accept", expect(200, anonymous=200)),
    # The API: bearer tokens, never a sign-in redirect.
    ("GET", "/api/v1/openapi.json", expect(200, anonymous=200)),
    ("GET", "/api/v1/accounts", expect(200, anonymous=401, **STAFF_ONLY)),
    ("POST", "/api/v1/accounts", expect(422, anonymous=401, **STAFF_ONLY)),
    ("GET", "/api/v1/accounts/{own_account}", expect(200, anonymous=401, **STAFF_ONLY)),
    (
        "PATCH",
        "/api/v1/accounts/{other_account}",
        expect(200, anonymous=401, **STAFF_ONLY, csm=403),
    ),
    ("GET", "/api/v1/advocates", expect(200, anonymous=401, requester=403)),
    ("POST", "/api/v1/advocates", expect(422, anonymous=401, advocate=403, requester=403)),
    (
        "GET",
        "/api/v1/advocates/{self_advocate}",
        expect(200, anonymous=401, requester=403, csm=404),
    ),
    (
        "GET",
        "/api/v1/advocates/{other_advocate}",
        expect(200, anonymous=401, advocate=404, requester=403, csm=404),
    ),
    (
        "PATCH",
        "/api/v1/advocates/{other_advocate}",
        expect(200, anonymous=401, advocate=403, requester=403, csm=404),
    ),
]


@pytest.fixture
def world(db):
    csm = UserFactory(email="csm@example.com", role="csm")
    other_csm = UserFactory(email="csm2@example.com", role="csm")
    users = {
        "requester": UserFactory(email="req@example.com", role="requester", team="sales"),
        "csm": csm,
        "manager": UserFactory(email="mgr@example.com", role="manager"),
        "admin": UserFactory(email="adm@example.com", role="admin"),
    }
    own_account = AccountFactory(csm=csm)
    other_account = AccountFactory(csm=other_csm)
    own_advocate = AdvocateFactory(account=own_account, status="nominated")
    other_advocate = AdvocateFactory(account=other_account, status="nominated")
    self_advocate, advocate_user = advocate_with_login(account=other_account)
    users["advocate"] = advocate_user
    tokens = {role: create_api_token(None, user)[1] for role, user in users.items()}
    db.session.commit()
    ids = {
        "own_account": own_account.id,
        "other_account": other_account.id,
        "own_advocate": own_advocate.id,
        "other_advocate": other_advocate.id,
        "self_advocate": self_advocate.id,
        "requester_user": users["requester"].id,
    }
    return users, tokens, ids


BODIES = {
    ("POST", "/admin/users/{requester_user}"): {"role": "emperor"},
    ("POST", "/accounts/{other_account}/edit"): {"name": ""},
    ("POST", "/advocates/{other_advocate}/edit"): {"name": ""},
    ("POST", "/advocates/{other_advocate}/status"): {"status": "invited"},
    ("PATCH", "/api/v1/accounts/{other_account}"): {"notes": "Renewal in March."},
    ("PATCH", "/api/v1/advocates/{other_advocate}"): {"title": "VP Payments"},
    ("POST", "/api/v1/accounts"): {},
    ("POST", "/api/v1/advocates"): {},
}


def request(app, auth_client, role, tokens, method, path, body):
    if path.startswith("/api/"):
        client = app.test_client()
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
        return client.open(path, method=method, json=body, headers=headers)
    if method == "POST":
        return auth_client.post(path, data=body or {})
    return auth_client.open(path, method=method)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_as_expected_for_each_role(app, client, auth, world, role):
    users, tokens, ids = world
    if role != "anonymous":
        assert auth.login(users[role].email).status_code == 302
    wrong = []
    for method, template, statuses in ROUTES:
        path = template.format(**ids)
        body = BODIES.get((method, template))
        response = request(app, client, role, tokens, method, path, body)
        if response.status_code != statuses[role]:
            wrong.append(f"{method} {path}: {response.status_code}, expected {statuses[role]}")
        if path == "/auth/sign-out" and role != "anonymous":
            auth.login(users[role].email)
    assert wrong == []


def test_advocate_pages_never_show_another_advocates_data(app, client, auth, world):
    users, _, ids = world
    auth.login(users["advocate"].email)
    for template in ("/advocates/{other_advocate}", "/accounts/{other_account}", "/admin/audit/"):
        body = client.get(template.format(**ids)).get_data(as_text=True)
        assert "@customer.example" not in body


def test_every_route_is_in_the_matrix(app):
    covered = {(method, _rule_shape(template)) for method, template, _ in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, _rule_shape(rule.rule)) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "add these routes to ROUTES"


def _rule_shape(path: str) -> str:
    """'/accounts/<int:account_id>' and '/accounts/{own_account}' both read '/accounts/*'."""
    parts = []
    for part in path.split("/"):
        if (
            part.startswith(("<", "{"))
            or part.isdigit()
            or part in ("not-a-token", "accept", "decline")
        ):
            parts.append("*")
        else:
            parts.append(part)
    return "/".join(parts)
