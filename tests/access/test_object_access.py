"""Object-level access: nobody reads or changes another's object, and a refusal names nothing
the user may not see.

Each row of CASES is one attempt: who tries (requester, a CSM, an advocate, a second advocate),
the method and path (`{name}` stands for an object of the world below), the status expected,
and words the answer must not contain (names, titles, states of objects the user may not see).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate, Blackout
from portal.asks.models import Ask
from portal.auth.service import create_api_token
from portal.benefits.models import BenefitAllowedAdvocate, Claim
from portal.content.models import ContentAsset, ContentUse
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

TODAY = dt.date.today()

# Names, titles and words of objects some of the users may not see: never in a refusal.
SECRET_ADVOCATES = ("Paused Paula", "Limited Lena", "Prospect Pete", "Sam Second")
SECRET_BENEFITS = ("Closed Gala", "Invite Only Board")
SECRET_CONTENT = ("Draft story", "Retired story", "Lapsed story", "Used up story")


@pytest.fixture
def world(db):
    """Two requesters, two CSMs, two advocates with logins and the objects each one owns."""
    users = {
        "requester": UserFactory(email="req@example.com", role="requester", team="sales"),
        "requester2": UserFactory(email="req2@example.com", role="requester", team="sales"),
        "csm": UserFactory(email="csm@example.com", role="csm"),
        "csm2": UserFactory(email="csm2@example.com", role="csm"),
        "manager": UserFactory(email="mgr@example.com", role="manager"),
    }
    own_account = AccountFactory(csm=users["csm"], name="Own Account AG")
    other_account = AccountFactory(csm=users["csm2"], name="Other Account AG")
    prospect = AccountFactory(name="Prospect Bank")
    me, users["advocate"] = advocate_with_login(account=other_account, name="Alex Advocate")
    second, users["advocate2"] = advocate_with_login(account=other_account, name="Sam Second")
    own_advocate = AdvocateFactory(account=own_account, name="Olga Offered")
    review = ["peer_review", "reference_call"]
    own_advocate.activity_types = review
    AdvocateFactory(name="Paused Paula", status="paused", activity_types=review)
    AdvocateFactory(name="Limited Lena", max_per_month=0, activity_types=review)
    AdvocateFactory(name="Prospect Pete", account=prospect, activity_types=review)

    # The requester's self-service request (peer review), another requester's, and asks.
    own_request = ReferenceRequestFactory(
        requester=users["requester"], activity_type="peer_review", prospect_company="Prospect Bank"
    )
    other_request = ReferenceRequestFactory(
        requester=users["requester2"], prospect_company="Secret Prospect Ltd"
    )
    own_ask = AskFactory(request=own_request, advocate=me)
    other_ask = AskFactory(request=other_request, advocate=second, note="Secret note")

    # Benefits: open, closed, invitation only (second advocate chosen); claims of each advocate.
    open_benefit = BenefitFactory(kind="training", title="Open Training")
    closed_benefit = BenefitFactory(kind="training", title="Closed Gala", status="closed")
    chosen_benefit = BenefitFactory(
        kind="advisory_board", title="Invite Only Board", eligibility="chosen"
    )
    db.session.flush()
    chosen_benefit.allowed = [BenefitAllowedAdvocate(advocate_id=second.id)]
    own_claim = Claim(benefit=open_benefit, advocate=me, status="approved", details={})
    other_claim = Claim(benefit=open_benefit, advocate=second, status="requested", details={})
    db.session.add_all([own_claim, other_claim])
    LedgerEntryFactory(advocate=me, delta=40)
    LedgerEntryFactory(advocate=second, delta=70, memo="Secret memo")
    blackout = Blackout(
        advocate=second, start=TODAY, end=TODAY + dt.timedelta(days=9), reason="Secret trip"
    )
    db.session.add(blackout)

    # Content: live, and four kinds a requester may not see (or download).
    def asset(title, **fields):
        found = ContentAsset(
            kind="case_study",
            title=title,
            url="https://www.example.com/story",
            file_key=f"{title.replace(' ', '-')}.pdf",
            file_name="story.pdf",
            file_type="application/pdf",
            file_size=1000,
            **fields,
        )
        db.session.add(found)
        return found

    approved = {"approval_status": "customer_approved", "approved_by_customer": "A. Customer"}
    live = asset("Live story", **approved)
    draft = asset("Draft story")
    retired = asset("Retired story", approval_status="retired")
    lapsed = asset("Lapsed story", **approved, approved_until=TODAY - dt.timedelta(days=1))
    used_up = asset("Used up story", **approved, use_limit=1)
    db.session.flush()
    db.session.add(ContentUse(asset_id=used_up.id, action="open_link", opportunity_crm_id="X"))

    tokens = {role: create_api_token(None, user)[1] for role, user in users.items()}
    db.session.commit()
    ids = {
        "own_account": own_account.id,
        "other_account": other_account.id,
        "self": me.id,
        "second": second.id,
        "own_advocate": own_advocate.id,
        "own_request": own_request.id,
        "other_request": other_request.id,
        "own_ask": own_ask.id,
        "other_ask": other_ask.id,
        "open_benefit": open_benefit.id,
        "closed_benefit": closed_benefit.id,
        "chosen_benefit": chosen_benefit.id,
        "own_claim": own_claim.id,
        "other_blackout": blackout.id,
        "other_claim": other_claim.id,
        "live": live.id,
        "draft": draft.id,
        "retired": retired.id,
        "lapsed": lapsed.id,
        "used_up": used_up.id,
        "requester2": users["requester2"].id,
        "missing": 999_999,
    }
    return users, tokens, ids


def call(app, client, auth, world, who, method, path, body=None):
    """One attempt: the API with `who`'s token, a page signed in as `who`."""
    users, tokens, ids = world
    path = path.format(**ids)
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        return app.test_client().open(path, method=method, json=body, headers=headers)
    assert auth.login(users[who].email).status_code == 302
    if method == "POST":
        return client.post(path, data=body or {})
    return client.open(path, method=method)


NOT_OTHERS = ("Sam Second", "Secret")
# (who, method, path, body, status, words the answer must not contain)
CASES = [
    # Asks: a requester those of their own requests, an advocate their own.
    ("requester", "GET", "/api/v1/asks/{own_ask}", None, 200, ()),
    ("requester", "GET", "/api/v1/asks/{other_ask}", None, 404, NOT_OTHERS),
    ("requester2", "GET", "/api/v1/asks/{own_ask}", None, 404, ("Alex Advocate",)),
    ("csm", "GET", "/api/v1/asks/{other_ask}", None, 404, NOT_OTHERS),
    ("advocate", "GET", "/api/v1/asks/{other_ask}", None, 404, NOT_OTHERS),
    ("advocate2", "GET", "/api/v1/asks/{own_ask}", None, 404, ("Alex Advocate",)),
    ("advocate", "POST", "/api/v1/asks/{other_ask}/accept", {}, 404, NOT_OTHERS),
    ("advocate", "POST", "/api/v1/asks/{other_ask}/complete", {}, 404, NOT_OTHERS),
    ("requester", "POST", "/api/v1/asks/{other_ask}/complete", {"rating": 5}, 404, NOT_OTHERS),
    ("requester", "POST", "/requests/asks/{other_ask}/rate", {"rating": "5"}, 404, NOT_OTHERS),
    ("advocate", "GET", "/me/asks/{other_ask}", None, 404, NOT_OTHERS),
    ("advocate", "POST", "/me/asks/{other_ask}/accept", {}, 404, NOT_OTHERS),
    ("advocate", "POST", "/me/blackouts/{other_blackout}/remove", {}, 404, NOT_OTHERS),
    # Requests: own only; another's answers as a missing one.
    ("requester", "GET", "/api/v1/requests/{own_request}", None, 200, ()),
    ("requester", "GET", "/api/v1/requests/{other_request}", None, 404, NOT_OTHERS),
    ("csm", "GET", "/api/v1/requests/{other_request}", None, 404, NOT_OTHERS),
    ("requester", "GET", "/api/v1/requests/{other_request}/matches", None, 404, NOT_OTHERS),
    (
        "requester",
        "POST",
        "/api/v1/requests/{other_request}/asks",
        {"advocate_id": "{own_advocate}"},
        404,
        NOT_OTHERS,
    ),
    ("requester", "GET", "/requests/{other_request}", None, 404, NOT_OTHERS),
    ("requester", "POST", "/requests/{other_request}/cancel", {}, 404, NOT_OTHERS),
    ("requester", "POST", "/requests/{other_request}/copy", {}, 404, NOT_OTHERS),
    ("requester", "POST", "/requests/{other_request}/comments", {"body": "Hi"}, 404, NOT_OTHERS),
    ("requester", "GET", "/content/for-request/{other_request}", None, 404, NOT_OTHERS),
    # Claims: an advocate their own; nobody else but the program team.
    ("advocate", "GET", "/api/v1/claims/{own_claim}", None, 200, ()),
    ("advocate", "GET", "/api/v1/claims/{other_claim}", None, 404, NOT_OTHERS),
    ("advocate2", "GET", "/api/v1/claims/{own_claim}", None, 404, ("Alex Advocate",)),
    ("requester", "GET", "/api/v1/claims/{own_claim}", None, 404, ("Alex Advocate",)),
    ("advocate", "POST", "/api/v1/claims/{other_claim}/cancel", {}, 404, NOT_OTHERS),
    ("advocate", "POST", "/benefits/claims/{other_claim}/cancel", {}, 404, NOT_OTHERS),
    # The ledger: the advocate themselves; others can't tell an advocate from a missing id.
    ("advocate", "GET", "/api/v1/advocates/{self}/ledger", None, 200, ()),
    ("advocate", "GET", "/api/v1/advocates/{second}/ledger", None, 404, NOT_OTHERS),
    ("advocate", "GET", "/api/v1/advocates/{missing}/ledger", None, 404, ()),
    ("requester", "GET", "/api/v1/advocates/{second}/ledger", None, 403, NOT_OTHERS),
    ("requester", "GET", "/api/v1/advocates/{missing}/ledger", None, 403, ()),
    ("csm", "GET", "/api/v1/advocates/{own_advocate}/ledger", None, 403, ()),
    ("csm", "GET", "/api/v1/advocates/{missing}/ledger", None, 403, ()),
    # Benefits: closed ones only for those who claimed them; no one's chosen list.
    ("advocate", "GET", "/api/v1/benefits/{open_benefit}", None, 200, ()),
    ("advocate", "GET", "/api/v1/benefits/{closed_benefit}", None, 404, SECRET_BENEFITS),
    ("advocate", "GET", "/api/v1/benefits/{chosen_benefit}", None, 200, ("allowed_advocate",)),
    ("requester", "GET", "/api/v1/benefits/{closed_benefit}", None, 404, SECRET_BENEFITS),
    ("csm", "GET", "/api/v1/benefits/{closed_benefit}", None, 404, SECRET_BENEFITS),
    ("requester", "GET", "/api/v1/benefits/{chosen_benefit}", None, 200, ("allowed_advocate",)),
    ("advocate", "POST", "/api/v1/benefits/{closed_benefit}/claims", {}, 404, SECRET_BENEFITS),
    ("advocate", "GET", "/benefits/{closed_benefit}", None, 404, SECRET_BENEFITS),
    ("advocate", "POST", "/benefits/{closed_benefit}/claim", {}, 404, SECRET_BENEFITS),
    # Advocates: a CSM those of own accounts (read and change), an advocate self.
    ("csm", "GET", "/api/v1/advocates/{own_advocate}", None, 200, ()),
    ("csm", "GET", "/api/v1/advocates/{second}", None, 404, NOT_OTHERS),
    ("csm", "PATCH", "/api/v1/advocates/{second}", {"title": "Hacked"}, 404, NOT_OTHERS),
    ("csm", "GET", "/api/v1/advocates/{second}/preferences", None, 403, NOT_OTHERS),
    (
        "csm",
        "PATCH",
        "/api/v1/advocates/{own_advocate}",
        {"account_id": "{other_account}"},
        403,
        ("Other Account",),
    ),
    (
        "csm",
        "POST",
        "/api/v1/advocates",
        {"account_id": "{other_account}", "name": "Nina New", "email": "nina@customer.example"},
        403,
        ("Other Account",),
    ),
    ("csm", "GET", "/advocates/{second}", None, 404, NOT_OTHERS),
    ("csm", "POST", "/advocates/{second}/edit", {"name": "Hacked"}, 404, NOT_OTHERS),
    ("advocate", "GET", "/api/v1/advocates/{second}", None, 404, NOT_OTHERS),
    ("advocate", "GET", "/api/v1/advocates/{second}/preferences", None, 404, NOT_OTHERS),
    ("advocate", "PATCH", "/api/v1/advocates/{second}", {"title": "Hacked"}, 403, NOT_OTHERS),
    ("advocate2", "GET", "/api/v1/advocates/{self}", None, 404, ("Alex Advocate",)),
    ("requester", "GET", "/api/v1/advocates/{second}", None, 403, NOT_OTHERS),
    ("requester", "GET", "/api/v1/advocates/{missing}", None, 403, ()),
    # Accounts: a CSM changes only their own.
    ("csm", "PATCH", "/api/v1/accounts/{other_account}", {"notes": "Hacked"}, 403, ()),
    ("csm", "POST", "/accounts/{other_account}/edit", {"name": "Hacked"}, 403, ()),
    ("csm", "GET", "/accounts/{other_account}", None, 200, NOT_OTHERS),
    ("csm", "GET", "/recruiting/accounts/{other_account}", None, 404, NOT_OTHERS),
    ("requester", "GET", "/api/v1/accounts/{other_account}", None, 403, ()),
    ("advocate", "GET", "/api/v1/accounts/{other_account}", None, 403, ()),
    # Content: requesters see (and download) approved, current content with uses left only.
    ("requester", "GET", "/content/{live}", None, 200, ()),
    ("requester", "GET", "/content/{draft}", None, 404, SECRET_CONTENT),
    ("requester", "GET", "/content/{retired}", None, 404, SECRET_CONTENT),
    ("requester", "GET", "/content/{lapsed}", None, 404, SECRET_CONTENT),
    ("requester", "GET", "/content/{used_up}", None, 404, SECRET_CONTENT),
    ("csm", "GET", "/content/{draft}", None, 404, SECRET_CONTENT),
    *[
        (
            "requester",
            "POST",
            f"/content/{{{name}}}/use",
            {"action": "download", "opportunity_crm_id": "OPP-1"},
            404,
            SECRET_CONTENT,
        )
        for name in ("draft", "retired", "lapsed", "used_up")
    ],
    ("requester", "GET", "/program/content/{draft}/file", None, 403, SECRET_CONTENT),
    # A use logged for another's request: refused as one that doesn't exist, naming nothing.
    (
        "requester",
        "POST",
        "/content/{live}/use",
        {"action": "copy_link", "request_id": "{other_request}"},
        422,
        NOT_OTHERS,
    ),
]


def _case_id(case) -> str:
    who, method, path, *_ = case
    return f"{who} {method} {path}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_object_access(app, client, auth, world, case):
    who, method, path, body, status, hidden = case
    ids = world[2]
    if body:
        body = {k: int(v.format(**ids)) if str(v).startswith("{") else v for k, v in body.items()}
    response = call(app, client, auth, world, who, method, path, body)
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    for word in hidden:
        assert word not in text


# List filters that take ids: (who, path, items expected). A filter on another's object finds
# nothing (never a count of someone else's rows).
LIST_CASES = [
    ("requester", "/api/v1/asks?advocate_id={second}", 0),
    ("requester", "/api/v1/asks?request_id={other_request}", 0),
    ("requester", "/api/v1/asks?advocate_id={self}", 1),
    ("csm", "/api/v1/asks?advocate_id={second}", 0),
    ("advocate", "/api/v1/asks?advocate_id={second}", 0),
    ("advocate", "/api/v1/asks?request_id={other_request}", 0),
    ("advocate2", "/api/v1/asks?advocate_id={self}", 0),
    ("requester", "/api/v1/requests?requester_id={requester2}", 1),  # ignored: their own
    ("advocate", "/api/v1/claims?advocate_id={second}", 1),  # their own only
    ("advocate", "/api/v1/claims?advocate_id={second}&status=requested", 0),
    ("csm", "/api/v1/advocates?account_id={other_account}", 0),
    ("csm", "/api/v1/advocates?q=Sam", 0),
    ("advocate", "/api/v1/advocates?account_id={other_account}", 1),  # self only
    ("advocate", "/api/v1/benefits?status=closed", 0),
    ("requester", "/api/v1/benefits?status=closed", 0),
    ("csm", "/api/v1/benefits?status=closed", 0),
    ("manager", "/api/v1/benefits?status=closed", 1),
]


@pytest.mark.parametrize("case", LIST_CASES, ids=[f"{c[0]} {c[1]}" for c in LIST_CASES])
def test_list_filters_never_count_anothers_objects(app, client, auth, world, case):
    who, path, expected = case
    response = call(app, client, auth, world, who, "GET", path)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["total"], len(body["items"])) == (expected, expected)


@pytest.mark.parametrize("who", ["advocate", "advocate2", "requester", "csm"])
def test_benefit_list_hides_closed_benefits_and_chosen_lists_from_non_managers(
    app, client, auth, world, who
):
    response = call(app, client, auth, world, who, "GET", "/api/v1/benefits?per_page=100")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {item["title"] for item in items} == {"Open Training", "Invite Only Board"}
    assert all("allowed_advocate_ids" not in item for item in items)
    assert "allowed_advocate" not in response.get_data(as_text=True)


def test_advocate_still_sees_a_closed_benefit_they_claimed(app, client, auth, world, db):
    _, _, ids = world
    claim = Claim(
        benefit_id=ids["closed_benefit"], advocate_id=ids["self"], status="approved", details={}
    )
    db.session.add(claim)
    db.session.commit()
    response = call(app, client, auth, world, "advocate", "GET", "/api/v1/benefits")
    assert "Closed Gala" in {item["title"] for item in response.get_json()["items"]}
    path = "/api/v1/benefits/{closed_benefit}"
    assert call(app, client, auth, world, "advocate", "GET", path).status_code == 200
    assert call(app, client, auth, world, "advocate2", "GET", path).status_code == 404


def test_managers_still_see_every_benefit_and_its_chosen_list(app, client, auth, world):
    _, _, ids = world
    response = call(app, client, auth, world, "manager", "GET", "/api/v1/benefits?per_page=100")
    items = {item["title"]: item for item in response.get_json()["items"]}
    assert set(items) == {"Open Training", "Closed Gala", "Invite Only Board"}
    assert items["Invite Only Board"]["allowed_advocate_ids"] == [ids["second"]]


def _advocates_column(page: str, account: str) -> str:
    row = re.search(rf"{account}</a>.*?<td class=\"text-end\">([^<]*)</td>", page, re.S)
    return row.group(1).strip()


@pytest.mark.parametrize(
    ("who", "own", "other"), [("csm", "1", "—"), ("csm2", "—", "2"), ("manager", "1", "2")]
)
def test_accounts_list_counts_only_advocates_the_viewer_may_see(
    app, client, auth, world, who, own, other
):
    page = call(app, client, auth, world, who, "GET", "/accounts/").get_data(as_text=True)
    assert _advocates_column(page, "Own Account AG") == own
    assert _advocates_column(page, "Other Account AG") == other


def test_content_api_lists_only_live_content_to_requesters(app, client, auth, world):
    response = call(app, client, auth, world, "requester", "GET", "/api/v1/content?per_page=100")
    assert [item["title"] for item in response.get_json()["items"]] == ["Live story"]


# Self-service asks: only the request's offered matches, one refusal for everyone else -------

GENERIC = "That advocate isn't one of this request's matches."


def _every_advocate(db) -> list[tuple[int, str]]:
    return db.session.execute(sa.select(Advocate.id, Advocate.name).order_by(Advocate.id)).all()


def _error_of(page: str) -> str:
    """The error shown next to the ticked advocates on the request page."""
    found = re.search(r'id="advocate_id-error">([^<]*)<', page)
    return html.unescape(found.group(1)).strip() if found else ""


def test_requester_asking_advocates_not_offered_gets_one_refusal_naming_nobody_api(
    app, client, auth, world, db
):
    _, _, ids = world
    path = "/api/v1/requests/{own_request}/asks"
    answers = {}
    for advocate_id, _ in [*_every_advocate(db), (ids["missing"], "")]:
        if advocate_id == ids["own_advocate"]:
            continue  # the one offered match: asked last
        response = call(
            app, client, auth, world, "requester", "POST", path, {"advocate_id": advocate_id}
        )
        answers[advocate_id] = (response.status_code, response.get_json())
    expected = (
        422,
        {"error": {"code": "invalid", "message": GENERIC, "fields": {"advocate_id": GENERIC}}},
    )
    assert answers == dict.fromkeys(answers, expected)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ask)) == 2
    response = call(
        app, client, auth, world, "requester", "POST", path, {"advocate_id": ids["own_advocate"]}
    )
    assert response.status_code == 201, response.get_json()


def test_requester_asking_advocates_not_offered_gets_one_refusal_naming_nobody_page(
    app, client, auth, world, db
):
    _, _, ids = world
    path = "/requests/{own_request}/asks"
    advocates = _every_advocate(db)
    # The page shows its offered match and the advocate already asked (Alex): no one else.
    shown = (ids["own_advocate"], ids["self"])
    hidden = [name for advocate_id, name in advocates if advocate_id not in shown]
    answers = {}
    for advocate_id, _ in [*advocates, (ids["missing"], "")]:
        if advocate_id == ids["own_advocate"]:
            continue
        response = call(
            app, client, auth, world, "requester", "POST", path, {"advocate_id": str(advocate_id)}
        )
        page = response.get_data(as_text=True)
        assert not [name for name in hidden if name in page], advocate_id
        answers[advocate_id] = (response.status_code, _error_of(page))
    assert answers == dict.fromkeys(answers, (422, GENERIC))
    # Every id at once: the same refusal, and nobody is asked.
    everyone = [str(advocate_id) for advocate_id, _ in advocates]
    response = call(app, client, auth, world, "requester", "POST", path, {"advocate_id": everyone})
    assert (response.status_code, _error_of(response.get_data(as_text=True))) == (422, GENERIC)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ask)) == 2
    response = call(
        app,
        client,
        auth,
        world,
        "requester",
        "POST",
        path,
        {"advocate_id": str(ids["own_advocate"])},
    )
    assert response.status_code == 302


def test_requester_matches_offer_only_askable_advocates(app, client, auth, world):
    path = "/api/v1/requests/{own_request}/matches?limit=100"
    response = call(app, client, auth, world, "requester", "GET", path)
    assert response.status_code == 200
    body = response.get_json()
    assert [m["advocate"]["name"] for m in body["items"]] == ["Olga Offered"]
    assert body["near_misses"] == []
