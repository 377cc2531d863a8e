"""Nomination pages and the API: nominating by page, My nominations, the CSM's objection page,
the objection on the pipeline card and its decision page, POST and GET /api/v1/nominations."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.auth.service import create_api_token
from portal.extensions import db as _db
from portal.nominations import service
from portal.nominations.models import NominationObjection
from tests.conftest import AuthActions
from tests.factories import AccountFactory, AdvocateFactory, UserFactory


def _world(app):
    with app.app_context():
        csm = UserFactory(role="csm", email="carla@example.com", name="Carla CSM")
        rep = UserFactory(role="requester", team="pr", email="pat@example.com", name="Pat PR")
        manager = UserFactory(role="manager", email="mgr@example.com")
        account = AccountFactory(name="Nordbank AG", csm=csm)
        _db.session.commit()
        return {"csm": csm.id, "rep": rep.id, "manager": manager.id, "account": account.id}


FORM = {
    "account": "Nordbank AG",
    "name": "Petra Payments",
    "email": "petra@nordbank.example",
    "title": "Head of Payments",
    "reason": "Cut fraud losses in half.",
}


def test_a_requester_nominates_on_the_page_and_follows_it(app, client):
    ids = _world(app)
    auth = AuthActions(client)
    auth.login("pat@example.com")
    page = client.get("/nominations/new").get_data(as_text=True)
    assert 'data-account-suggest="/nominations/accounts"' in page
    assert client.get("/nominations/accounts?q=nord").get_json() == ["Nordbank AG"]
    assert client.get("/nominations/accounts?q=n").get_json() == []  # two letters at least
    bad = client.post("/nominations/new", data={**FORM, "account": "Nope", "reason": ""})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "No customer account by this name takes nominations." in body
    assert "Say why this contact would be a good advocate." in body
    assert 'value="Petra Payments"' in body
    done = client.post("/nominations/new", data=FORM, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Petra Payments is nominated. Their customer success manager is told." in body
    assert "Nordbank AG" in body
    with app.app_context():
        advocate = _db.session.scalar(sa.select(Advocate))
        assert advocate.nominated_by_id == ids["rep"]
        advocate_id = advocate.id
    # The CSM objects on their page; the nominator sees it on hold, without the reason.
    auth.logout()
    auth.login("carla@example.com")
    page = client.get(f"/nominations/{advocate_id}/object").get_data(as_text=True)
    assert "Pat PR (PR)" in page
    response = client.post(
        f"/nominations/{advocate_id}/object", data={"reason": "Renewal at risk."}
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("pat@example.com")
    mine = client.get("/nominations/mine").get_data(as_text=True)
    assert "On hold: objection" in mine
    assert "Renewal at risk." not in mine
    # The program team sees it on the pipeline card and decides.
    auth.logout()
    auth.login("mgr@example.com")
    board = client.get("/recruiting/pipeline").get_data(as_text=True)
    assert "Nominated by Pat PR (PR)" in board
    assert "Requester" in board
    assert "Renewal at risk." in board
    with app.app_context():
        objection_id = _db.session.scalar(sa.select(NominationObjection.id))
    invite = client.post(
        f"/recruiting/advocates/{advocate_id}/move",
        data={"status": "invited"},
        follow_redirects=True,
    )
    assert "can&#39;t be invited" in invite.get_data(as_text=True)
    assert client.get(f"/nominations/objections/{objection_id}").status_code == 200
    refused = client.post(f"/nominations/objections/{objection_id}/overrule", data={})
    assert refused.status_code == 422
    client.post(f"/nominations/objections/{objection_id}/uphold", data={})
    auth.logout()
    auth.login("pat@example.com")
    mine = client.get("/nominations/mine?stage=declined").get_data(as_text=True)
    assert "Petra Payments" in mine
    assert "Declined" in mine


def test_an_advocate_page_shows_who_nominated_and_how(app, client):
    _world(app)
    with app.app_context():
        advocate = AdvocateFactory(status="nominated", nomination_source="self")
        _db.session.commit()
        advocate_id = advocate.id
    AuthActions(client).login("mgr@example.com")
    for path in (f"/advocates/{advocate_id}", f"/recruiting/advocates/{advocate_id}"):
        body = client.get(path).get_data(as_text=True)
        assert "Nominated themselves" in body
        assert "Self-nomination" in body


def _token(app, user_id):
    with app.app_context():
        from portal.auth.models import User

        token = create_api_token(None, _db.session.get(User, user_id))[1]
        _db.session.commit()
        return {"Authorization": f"Bearer {token}"}


def test_the_api_nominates_and_lists_own_or_all(app, client):
    ids = _world(app)
    rep, manager = _token(app, ids["rep"]), _token(app, ids["manager"])
    bad = client.post("/api/v1/nominations", json={"account_id": ids["account"]}, headers=rep)
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "email", "reason"}
    unknown = client.post("/api/v1/nominations", json={"colour": "red"}, headers=rep)
    assert unknown.get_json()["error"]["fields"] == {"colour": "Unknown field."}
    made = client.post(
        "/api/v1/nominations",
        json={
            "account_id": ids["account"],
            "name": "Petra",
            "email": "petra@nordbank.example",
            "reason": "Great.",
        },
        headers=rep,
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["stage"] == "nominated"
    assert body["nomination_source"] == "requester"
    assert body["nominated_by_id"] == ids["rep"]
    assert body["objection"] is None
    again = client.post(
        "/api/v1/nominations",
        json={
            "account": "Nordbank AG",
            "name": "P",
            "email": "PETRA@nordbank.example",
            "reason": "x",
        },
        headers=rep,
    )
    assert again.status_code == 409
    assert "email" in again.get_json()["error"]["fields"]
    with app.app_context():
        AdvocateFactory(nominated_by_id=ids["manager"], status="active")
        _db.session.commit()
    own = client.get("/api/v1/nominations", headers=rep).get_json()
    assert own["total"] == 1 and own["items"][0]["name"] == "Petra"
    assert client.get("/api/v1/nominations?all=true", headers=rep).get_json()["total"] == 1
    everyone = client.get("/api/v1/nominations?all=true", headers=manager).get_json()
    assert everyone["total"] == 2
    active = client.get("/api/v1/nominations?all=true&stage=active", headers=manager).get_json()
    assert [item["stage"] for item in active["items"]] == ["active"]
    assert client.get("/api/v1/nominations?stage=nope", headers=rep).status_code == 400
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/nominations"])


def test_the_objection_window_is_shown_and_enforced_on_the_page(app, client):
    ids = _world(app)
    with app.app_context():
        from portal.auth.models import User

        rep = _db.session.get(User, ids["rep"])
        advocate = service.nominate_contact(rep, FORM)
        advocate.created_at = advocate.created_at.replace(year=advocate.created_at.year - 1)
        _db.session.commit()
        advocate_id = advocate.id
    AuthActions(client).login("carla@example.com")
    page = client.get(f"/nominations/{advocate_id}/object").get_data(as_text=True)
    assert "The time to object ended" in page
    late = client.post(f"/nominations/{advocate_id}/object", data={"reason": "No."})
    assert late.status_code == 422
    with app.app_context():
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(NominationObjection)) == 0


def test_the_api_gives_the_nominator_the_hold_but_not_the_csms_reason(app, client):
    ids = _world(app)
    with app.app_context():
        from portal.auth.models import User

        rep = _db.session.get(User, ids["rep"])
        advocate = service.nominate_contact(rep, FORM)
        _db.session.flush()
        csm = _db.session.get(User, ids["csm"])
        service.object_to_nomination(csm, advocate, "Renewal at risk.")
        _, rep_token = create_api_token(None, rep)
        _, manager_token = create_api_token(None, _db.session.get(User, ids["manager"]))
        _db.session.commit()
    mine = client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {rep_token}"})
    [item] = mine.get_json()["items"]
    assert item["stage"] == "objected" and item["objection"]["reason"] is None
    assert "Renewal at risk." not in mine.get_data(as_text=True)
    everyone = client.get(
        "/api/v1/nominations?all=true", headers={"Authorization": f"Bearer {manager_token}"}
    ).get_json()
    assert everyone["items"][0]["objection"]["reason"] == "Renewal at risk."


def test_an_account_name_with_a_nul_byte_is_refused_next_to_the_field(app, client):
    # PostgreSQL refused the lookup: it was a 500 there.
    _world(app)
    AuthActions(client).login("pat@example.com")
    response = client.post("/nominations/new", data={**FORM, "account": "Nordbank\x00"})
    assert response.status_code == 422
    assert "Remove the control character." in response.get_data(as_text=True)
