"""Every route, for a visitor and each role, answers the expected status.

An advocate never reads another advocate or an internal page; a CSM sees only the advocates of
their own accounts. A new route must be added to ROUTES (the completeness test says so).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from portal.auth.service import create_api_token
from portal.benefits.models import Claim
from tests.access.common import (
    ADMIN_ONLY,
    ADVOCATE_ONLY,
    PROGRAM_ONLY,
    ROLES,
    STAFF_ONLY,
    expect,
)
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

# (method, path template, {role: status}); {own_account} is the CSM's account, {other_account}
# another CSM's; {self_advocate} is the signed-in advocate's record, {other_advocate} another's.


ROUTES = [
    ("GET", "/", expect(302, executive=302)),
    # Forms sent empty: refused with the form again (422), never a write.
    ("POST", "/auth/sign-in", expect(302, anonymous=200, executive=302)),
    ("POST", "/auth/password", expect(200, executive=200)),
    ("POST", "/auth/forgot", expect(200, anonymous=200, executive=200)),
    ("POST", "/auth/reset/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/auth/invitation/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/accounts/new", expect(422, **STAFF_ONLY)),
    ("POST", "/accounts/{other_account}/edit", expect(422, **STAFF_ONLY, csm=403)),
    ("POST", "/advocates/new", expect(422, **STAFF_ONLY)),
    ("POST", "/advocates/{other_advocate}/edit", expect(422, **STAFF_ONLY, csm=404)),
    ("POST", "/admin/users/new", expect(422, **ADMIN_ONLY)),
    ("POST", "/admin/users/{requester_user}", expect(422, **ADMIN_ONLY)),
    (
        "GET",
        "/home",
        expect(200, advocate=302, executive=200),
    ),  # advocates have their portal at /me/
    ("GET", "/home/asks", expect(200, **PROGRAM_ONLY)),
    ("GET", "/auth/sign-in", expect(302, anonymous=200, executive=302)),
    ("GET", "/auth/forgot", expect(200, anonymous=200, executive=200)),
    ("GET", "/auth/password", expect(200, executive=200)),
    ("GET", "/auth/reset/not-a-token", expect(400, anonymous=400, executive=400)),
    ("GET", "/auth/invitation/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/auth/sign-out", expect(302, executive=302)),
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
    ("GET", "/admin/settings/points", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/points", expect(422, **ADMIN_ONLY)),
    ("GET", "/me/asks/answer/accept/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/me/asks/answer/decline/not-a-token", expect(400, anonymous=400, executive=400)),
    ("GET", "/me/asks/answered/accept", expect(200, anonymous=200, executive=200)),
    # The advocate's own portal: advocates only; staff have their own pages.
    ("GET", "/me/", expect(200, **ADVOCATE_ONLY)),
    ("GET", "/me/terms", expect(200, **ADVOCATE_ONLY)),
    ("POST", "/me/terms", expect(422, **ADVOCATE_ONLY)),
    ("GET", "/me/profile", expect(200, **ADVOCATE_ONLY)),
    ("POST", "/me/profile", expect(302, **ADVOCATE_ONLY)),
    ("GET", "/me/preferences", expect(200, **ADVOCATE_ONLY)),
    ("POST", "/me/preferences", expect(422, **ADVOCATE_ONLY)),
    ("POST", "/me/blackouts", expect(422, **ADVOCATE_ONLY)),
    ("POST", "/me/blackouts/999999/remove", expect(404, **ADVOCATE_ONLY)),
    ("POST", "/me/pause", expect(422, **ADVOCATE_ONLY)),
    ("POST", "/me/resume", expect(302, **ADVOCATE_ONLY)),
    ("GET", "/me/asks/{self_ask}", expect(200, **ADVOCATE_ONLY)),
    ("GET", "/me/asks/{other_ask}", expect(404, **ADVOCATE_ONLY)),
    ("POST", "/me/asks/{other_ask}/accept", expect(404, **ADVOCATE_ONLY)),
    ("POST", "/me/asks/{other_ask}/withdraw", expect(404, **ADVOCATE_ONLY)),
    ("GET", "/me/history", expect(200, **ADVOCATE_ONLY)),
    ("GET", "/me/leave", expect(200, **ADVOCATE_ONLY)),
    ("POST", "/me/leave", expect(302, **ADVOCATE_ONLY)),  # the GET page is the confirmation
    ("GET", "/me/data.json", expect(200, **ADVOCATE_ONLY)),
    ("POST", "/me/erasure", expect(302, **ADVOCATE_ONLY)),
    ("POST", "/advocates/{other_advocate}/erasure", expect(302, **PROGRAM_ONLY)),
    # The API: bearer tokens, never a sign-in redirect.
    ("GET", "/api/v1/openapi.json", expect(200, anonymous=200, executive=200)),
    ("GET", "/api/v1/asks", expect(200, anonymous=401, executive=200)),
    (
        "GET",
        "/api/v1/asks/{self_ask}",
        expect(200, anonymous=401, requester=404, csm=404, executive=404),
    ),
    (
        "GET",
        "/api/v1/asks/{other_ask}",
        expect(200, anonymous=401, advocate=404, requester=404, csm=404, executive=404),
    ),
    ("POST", "/api/v1/asks/{other_ask}/accept", expect(403, anonymous=401, advocate=404)),
    ("POST", "/api/v1/asks/{other_ask}/decline", expect(403, anonymous=401, advocate=404)),
    (
        "GET",
        "/api/v1/advocates/{self_advocate}/preferences",
        expect(200, anonymous=401, requester=403, csm=403),
    ),
    (
        "PUT",
        "/api/v1/advocates/{other_advocate}/preferences",
        expect(422, anonymous=401, advocate=404, requester=403, csm=403),
    ),
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
    # Reference requests, matching and asks. State-changing routes last: they move the request.
    ("GET", "/requests/", expect(200, advocate=403)),
    ("GET", "/requests/new", expect(200, advocate=403)),
    ("GET", "/requests/{own_request}", expect(200, advocate=403, csm=404)),
    ("GET", "/requests/{own_request}/edit", expect(200, advocate=403, csm=404)),
    ("GET", "/program/queue", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/requests/{own_request}", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/calendar/", expect(200, **PROGRAM_ONLY)),
    ("GET", "/api/v1/requests", expect(200, anonymous=401, advocate=403)),
    ("POST", "/api/v1/requests", expect(422, anonymous=401, advocate=403)),
    ("GET", "/api/v1/requests/{own_request}", expect(200, anonymous=401, advocate=403, csm=404)),
    (
        "GET",
        "/api/v1/requests/{own_request}/matches",
        expect(200, anonymous=401, advocate=403, requester=403, csm=404),
    ),
    (
        "POST",
        "/api/v1/requests/{own_request}/asks",
        expect(422, anonymous=401, advocate=403, requester=403, csm=404),
    ),
    (
        "POST",
        "/api/v1/asks/{own_ask}/complete",
        expect(409, anonymous=401, advocate=404, csm=404, executive=404),
    ),
    ("POST", "/requests/asks/{own_ask}/rate", expect(422, advocate=403, csm=404)),
    ("POST", "/requests/{own_request}/asks", expect(422, advocate=403, requester=403, csm=404)),
    ("POST", "/program/requests/{own_request}/asks", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/asks/{own_ask}/schedule", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/asks/{own_ask}/complete", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/requests/{own_request}/comments", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/requests/{own_request}/outcome", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/requests/{own_request}/reject", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/requests/{own_request}/assign", expect(302, **PROGRAM_ONLY)),
    ("POST", "/requests/new", expect(422, advocate=403)),
    ("POST", "/requests/{own_request}/edit", expect(422, advocate=403, csm=404)),
    ("POST", "/requests/{own_request}/comments", expect(302, advocate=403, csm=404)),
    ("POST", "/requests/{own_request}/outcome", expect(302, advocate=403, csm=404)),
    ("POST", "/requests/{own_request}/copy", expect(302, advocate=403, csm=404)),
    ("POST", "/requests/{own_request}/submit", expect(302, advocate=403, csm=404)),
    ("POST", "/program/asks/{own_ask}/withdraw", expect(302, **PROGRAM_ONLY)),
    ("POST", "/requests/{own_request}/cancel", expect(302, advocate=403, csm=404)),
    # Benefits, claims and the points ledger. State-changing routes last.
    ("GET", "/benefits/", expect(403, advocate=200)),
    ("GET", "/benefits/{own_benefit}", expect(403, advocate=200)),
    ("GET", "/benefits/claims", expect(403, advocate=200)),
    ("GET", "/benefits/points", expect(403, advocate=200)),
    ("GET", "/program/benefits/", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/new", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/{own_benefit}", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/{own_benefit}/edit", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/claims", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/ledger/{self_advocate}", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/give-get", expect(200, **PROGRAM_ONLY)),
    ("GET", "/program/benefits/give-get.csv", expect(200, **PROGRAM_ONLY)),
    ("GET", "/api/v1/benefits", expect(200, anonymous=401, executive=200)),
    ("GET", "/api/v1/benefits/{own_benefit}", expect(200, anonymous=401, executive=200)),
    ("GET", "/api/v1/claims", expect(200, anonymous=401, requester=403, csm=403)),
    (
        "GET",
        "/api/v1/claims/{own_claim}",
        expect(200, anonymous=401, requester=404, csm=404, executive=404),
    ),
    (
        "GET",
        "/api/v1/advocates/{self_advocate}/ledger",
        expect(200, anonymous=401, requester=403, csm=403),
    ),
    ("POST", "/api/v1/benefits", expect(422, anonymous=401, **STAFF_ONLY, csm=403)),
    (
        "POST",
        "/api/v1/benefits/{own_benefit}/claims",
        expect(403, anonymous=401, advocate=409),
    ),
    (
        "POST",
        "/api/v1/claims/{own_claim}/approve",
        expect(409, anonymous=401, **STAFF_ONLY, csm=403),
    ),
    (
        "POST",
        "/api/v1/claims/{own_claim}/decline",
        expect(409, anonymous=401, **STAFF_ONLY, csm=403),
    ),
    ("POST", "/program/benefits/new", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/benefits/{own_benefit}/edit", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/benefits/ledger/{self_advocate}", expect(422, **PROGRAM_ONLY)),
    ("POST", "/program/benefits/claims/approve", expect(302, **PROGRAM_ONLY)),
    ("POST", "/program/benefits/{own_benefit}/status", expect(302, **PROGRAM_ONLY)),
    ("POST", "/benefits/{own_benefit}/claim", expect(403, advocate=302)),
    (
        "POST",
        "/api/v1/claims/{own_claim}/cancel",
        expect(200, anonymous=401, requester=403, csm=403),
    ),
    ("POST", "/program/benefits/claims/{own_claim}/decline", expect(302, **PROGRAM_ONLY)),
    ("POST", "/benefits/claims/{own_claim}/cancel", expect(403, advocate=302)),
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
        "executive": UserFactory(email="exec@example.com", role="executive"),
    }
    own_account = AccountFactory(csm=csm)
    other_account = AccountFactory(csm=other_csm)
    own_advocate = AdvocateFactory(account=own_account, status="nominated")
    other_advocate = AdvocateFactory(account=other_account, status="nominated")
    self_advocate, advocate_user = advocate_with_login(account=other_account)
    users["advocate"] = advocate_user
    own_request = ReferenceRequestFactory(requester=users["requester"])
    own_ask = AskFactory(request=own_request, advocate=own_advocate)
    own_benefit = BenefitFactory(kind="training", capacity=5)
    own_claim = Claim(benefit=own_benefit, advocate=self_advocate, status="approved", details={})
    db.session.add(own_claim)
    self_ask = AskFactory(advocate=self_advocate)
    other_ask = AskFactory(advocate=other_advocate)
    tokens = {role: create_api_token(None, user)[1] for role, user in users.items()}
    db.session.commit()
    ids = {
        "own_account": own_account.id,
        "other_account": other_account.id,
        "own_advocate": own_advocate.id,
        "other_advocate": other_advocate.id,
        "self_advocate": self_advocate.id,
        "requester_user": users["requester"].id,
        "self_ask": self_ask.id,
        "other_ask": other_ask.id,
        "own_request": own_request.id,
        "own_ask": own_ask.id,
        "own_benefit": own_benefit.id,
        "own_claim": own_claim.id,
    }
    for area in AREAS:
        if hasattr(area, "make_ids"):
            ids.update(area.make_ids(users, ids))
    db.session.commit()
    return users, tokens, ids


BODIES = {
    ("POST", "/admin/settings/points"): {"quote": "-1"},
    ("PUT", "/api/v1/advocates/{other_advocate}/preferences"): {"max_per_month": -1},
    ("POST", "/api/v1/benefits"): {},
    ("POST", "/api/v1/benefits/{own_benefit}/claims"): {},
    ("POST", "/api/v1/claims/{own_claim}/approve"): {},
    ("POST", "/api/v1/claims/{own_claim}/decline"): {},
    ("POST", "/api/v1/claims/{own_claim}/cancel"): {},
    ("POST", "/api/v1/requests"): {},
    ("POST", "/api/v1/requests/{own_request}/asks"): {},
    ("POST", "/api/v1/asks/{own_ask}/complete"): {},
    ("POST", "/requests/{own_request}/comments"): {"body": "Any news?"},
    ("POST", "/requests/{own_request}/outcome"): {"opportunity_outcome": "won"},
    ("POST", "/admin/users/{requester_user}"): {"role": "emperor"},
    ("POST", "/accounts/{other_account}/edit"): {"name": ""},
    ("POST", "/advocates/{other_advocate}/edit"): {"name": ""},
    ("POST", "/advocates/{other_advocate}/status"): {"status": "invited"},
    ("PATCH", "/api/v1/accounts/{other_account}"): {"notes": "Renewal in March."},
    ("PATCH", "/api/v1/advocates/{other_advocate}"): {"title": "VP Payments"},
    ("POST", "/api/v1/accounts"): {},
    ("POST", "/api/v1/advocates"): {},
}


# Each area may keep its routes in `tests/access/routes_<area>.py`: `ROUTES` and `BODIES` as
# above, and optionally `make_ids(users, ids) -> dict` that creates the objects its paths name.
AREAS = [
    importlib.import_module(f"tests.access.{module.name}")
    for module in pkgutil.iter_modules([str(Path(__file__).parent)])
    if module.name.startswith("routes_")
]
for _area in AREAS:
    ROUTES = ROUTES + list(_area.ROUTES)
    BODIES = {**BODIES, **getattr(_area, "BODIES", {})}


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
        if path in ("/auth/sign-out", "/auth/sessions/revoke-all") and role != "anonymous":
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
            or part in ("de", "fr", "es", "ja")  # a <locale> (translations of program texts)
        ):
            parts.append("*")
        else:
            parts.append(part)
    return "/".join(parts)
