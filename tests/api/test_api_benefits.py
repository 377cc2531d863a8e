"""The benefits API: catalog, claims with capacity, decisions and the ledger."""

from __future__ import annotations

import sqlalchemy as sa

from portal.benefits.models import Benefit, BenefitAllowedAdvocate, Claim
from tests.factories import BenefitFactory, LedgerEntryFactory, advocate_with_login


def advocate_token(api, db, points=0):
    advocate, user = advocate_with_login()
    if points:
        LedgerEntryFactory(advocate=advocate, delta=points, reason="adjustment")
    return advocate, api.token(user)


def test_manager_creates_a_benefit_and_advocates_see_it(api, db):
    _, manager = api.as_role("manager")
    response = api.post(
        "/api/v1/benefits",
        manager,
        json={"kind": "speaking_slot", "title": "Summit talk", "capacity": 2, "points_cost": 100},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["capacity"] == 2 and body["status"] == "open" and body["places_taken"] == 0
    assert response.headers["Location"].endswith(f"/api/v1/benefits/{body['id']}")
    _, token = advocate_token(api, db)
    listed = api.get("/api/v1/benefits", token).get_json()
    assert [b["title"] for b in listed["items"]] == ["Summit talk"]
    assert listed["total"] == 1


def test_advocate_may_not_create_a_benefit(api, db):
    _, token = advocate_token(api, db)
    response = api.post("/api/v1/benefits", token, json={"kind": "other", "title": "Mine"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Benefit)) == 0


def test_bad_benefit_is_refused_naming_the_fields(api, db):
    _, manager = api.as_role("manager")
    response = api.post(
        "/api/v1/benefits",
        manager,
        json={"kind": "trip", "title": "", "points_cost": -5, "capacity": "many"},
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "kind",
        "title",
        "points_cost",
        "capacity",
    }


def test_claims_answer_approved_requested_or_waitlisted(api, db):
    open_one = BenefitFactory(kind="training", capacity=1)
    approval = BenefitFactory(kind="training", capacity=5, requires_approval=True)
    _, first = advocate_token(api, db)
    _, second = advocate_token(api, db)
    got = api.post(f"/api/v1/benefits/{open_one.id}/claims", first, json={})
    assert got.status_code == 201 and got.get_json()["status"] == "approved"
    waiting = api.post(f"/api/v1/benefits/{open_one.id}/claims", second, json={})
    assert waiting.status_code == 201
    assert waiting.get_json()["status"] == "waitlisted"
    assert waiting.get_json()["waitlist_position"] == 1
    asked = api.post(f"/api/v1/benefits/{approval.id}/claims", first, json={"note": "Keen"})
    assert asked.get_json()["status"] == "requested"
    assert asked.get_json()["details"] == {"note": "Keen"}


def test_claim_with_too_few_points_is_409_in_words(api, db):
    benefit = BenefitFactory(kind="training", points_cost=150)
    advocate, token = advocate_token(api, db, points=90)
    response = api.post(f"/api/v1/benefits/{benefit.id}/claims", token, json={})
    assert response.status_code == 409
    assert "needs 150 points, you have 90" in response.get_json()["error"]["message"]
    ledger = api.get(f"/api/v1/advocates/{advocate.id}/ledger", token).get_json()
    assert ledger["balance"] == 90


def test_speaking_slot_claim_without_a_title_is_422(api, db):
    benefit = BenefitFactory(kind="speaking_slot")
    _, token = advocate_token(api, db)
    response = api.post(f"/api/v1/benefits/{benefit.id}/claims", token, json={"abstract": "x"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"talk_title"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_manager_approves_then_advocate_sees_points_spent(api, db):
    benefit = BenefitFactory(kind="user_group", points_cost=40, requires_approval=True)
    advocate, token = advocate_token(api, db, points=100)
    _, manager = api.as_role("manager")
    claim = api.post(f"/api/v1/benefits/{benefit.id}/claims", token, json={}).get_json()
    response = api.post(f"/api/v1/claims/{claim['id']}/approve", manager, json={"note": "Yes"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    ledger = api.get(f"/api/v1/advocates/{advocate.id}/ledger", token).get_json()
    assert ledger["balance"] == 60
    assert [e["reason"] for e in ledger["items"]] == ["claim", "adjustment"]


def test_decline_refunds_and_promotes_the_waiting_claim(api, db):
    benefit = BenefitFactory(kind="training", capacity=1, points_cost=10, requires_approval=True)
    first_adv, first = advocate_token(api, db, points=10)
    _, second = advocate_token(api, db, points=10)
    _, manager = api.as_role("manager")
    held = api.post(f"/api/v1/benefits/{benefit.id}/claims", first, json={}).get_json()
    waiting = api.post(f"/api/v1/benefits/{benefit.id}/claims", second, json={}).get_json()
    response = api.post(f"/api/v1/claims/{held['id']}/decline", manager, json={"note": "Sorry"})
    assert response.get_json()["status"] == "declined"
    assert api.get(f"/api/v1/claims/{waiting['id']}", second).get_json()["status"] == "requested"
    ledger = api.get(f"/api/v1/advocates/{first_adv.id}/ledger", manager).get_json()
    assert ledger["balance"] == 10


def test_advocate_cancels_own_claim_but_not_anothers(api, db):
    benefit = BenefitFactory(kind="training")
    _, owner = advocate_token(api, db)
    _, other = advocate_token(api, db)
    claim = api.post(f"/api/v1/benefits/{benefit.id}/claims", owner, json={}).get_json()
    assert api.post(f"/api/v1/claims/{claim['id']}/cancel", other, json={}).status_code == 404
    assert api.get(f"/api/v1/claims/{claim['id']}", other).status_code == 404
    assert api.post(f"/api/v1/claims/{claim['id']}/approve", owner, json={}).status_code == 403
    response = api.post(f"/api/v1/claims/{claim['id']}/cancel", owner, json={})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"


def test_claims_list_shows_an_advocate_only_their_own(api, db):
    benefit = BenefitFactory(kind="training")
    _, owner = advocate_token(api, db)
    _, other = advocate_token(api, db)
    api.post(f"/api/v1/benefits/{benefit.id}/claims", owner, json={})
    assert api.get("/api/v1/claims", other).get_json()["total"] == 0
    assert api.get("/api/v1/claims", owner).get_json()["total"] == 1
    _, manager = api.as_role("manager")
    assert api.get("/api/v1/claims", manager).get_json()["total"] == 1


def test_ledger_of_another_advocate_is_404_for_an_advocate(api, db):
    other, _ = advocate_with_login()
    _, token = advocate_token(api, db)
    assert api.get(f"/api/v1/advocates/{other.id}/ledger", token).status_code == 404
    _, requester = api.as_role("requester")
    assert api.get(f"/api/v1/advocates/{other.id}/ledger", requester).status_code == 403


def test_decision_with_an_unknown_field_is_422(api, db):
    benefit = BenefitFactory(kind="training", requires_approval=True)
    _, token = advocate_token(api, db)
    _, manager = api.as_role("manager")
    claim = api.post(f"/api/v1/benefits/{benefit.id}/claims", token, json={}).get_json()
    response = api.post(f"/api/v1/claims/{claim['id']}/approve", manager, json={"mood": "ok"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"mood": "Unknown field."}
    assert api.get(f"/api/v1/claims/{claim['id']}", manager).get_json()["status"] == "requested"


def test_closed_benefits_and_chosen_lists_are_hidden_from_advocates_and_requesters(api, db):
    chosen_one, _ = advocate_with_login()
    BenefitFactory(kind="training", title="Open day")
    closed = BenefitFactory(kind="training", title="Closed gala", status="closed")
    board = BenefitFactory(kind="advisory_board", title="Board", eligibility="chosen")
    db.session.flush()
    board.allowed = [BenefitAllowedAdvocate(advocate_id=chosen_one.id)]
    _, advocate = advocate_token(api, db)
    _, requester = api.as_role("requester")
    for token in (advocate, requester):
        body = api.get("/api/v1/benefits?per_page=100", token).get_json()
        assert [b["title"] for b in body["items"]] == ["Open day", "Board"]
        assert all("allowed_advocate_ids" not in b for b in body["items"])
        assert api.get("/api/v1/benefits?status=closed", token).get_json()["total"] == 0
        assert api.get(f"/api/v1/benefits/{closed.id}", token).status_code == 404
        shown = api.get(f"/api/v1/benefits/{board.id}", token).get_json()
        assert shown["title"] == "Board" and "allowed_advocate_ids" not in shown
    _, manager = api.as_role("manager")
    body = api.get("/api/v1/benefits?per_page=100", manager).get_json()
    assert {b["title"]: b["allowed_advocate_ids"] for b in body["items"]} == {
        "Open day": [],
        "Closed gala": [],
        "Board": [chosen_one.id],
    }


def test_ledger_of_any_id_is_403_for_a_requester_existing_or_not(api, db):
    other, _ = advocate_with_login()
    _, requester = api.as_role("requester")
    for advocate_id in (other.id, 999_999):
        response = api.get(f"/api/v1/advocates/{advocate_id}/ledger", requester)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
