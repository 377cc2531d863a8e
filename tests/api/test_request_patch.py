"""PATCH /requests/<id>: a request's fields, and the outcome of the deal it supports."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.api.schemas.requests import RequestChangeSchema
from portal.asks import lead_time
from portal.asks import requests as asks_requests
from portal.asks.models import ReferenceRequest
from portal.audit.models import AuditEvent
from portal.opportunities.models import Opportunity
from tests.factories import ReferenceRequestFactory, advocate_with_login


def in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def new_request(**overrides) -> dict:
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "needed_by": in_days(20),
        "advocates_needed": 1,
        "context": "A call about payments.",
    }
    data.update(overrides)
    return data


def patch(api, token, request_id, body):
    return api.patch(f"/api/v1/requests/{request_id}", token, json=body)


def file(api, token, **overrides) -> dict:
    response = api.post("/api/v1/requests", token, json=new_request(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(db, request_id) -> ReferenceRequest:
    db.session.expire_all()
    return db.session.get(ReferenceRequest, request_id)


def audits(db, action) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


@pytest.fixture
def seller(api):
    return api.as_role("requester", team="sales", email="seller@example.com")


# Fields -----------------------------------------------------------------------------------


def test_the_requester_changes_the_fields_sent_and_keeps_the_others(db, api, seller):
    _, token = seller
    filed = file(api, token)
    response = patch(
        api, token, filed["id"], {"context": "Now about card issuing.", "advocates_needed": 2}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["context"] == "Now about card issuing." and body["advocates_needed"] == 2
    assert body["prospect_company"] == "Nordbank" and body["needed_by"] == filed["needed_by"]
    request = stored(db, filed["id"])
    assert (request.context, request.advocates_needed) == ("Now about card issuing.", 2)
    assert audits(db, "request.updated") == 1


def test_a_manager_may_change_any_request(db, api, seller):
    _, token = seller
    filed = file(api, token)
    _, manager_token = api.as_role("manager")
    response = patch(api, manager_token, filed["id"], {"prospect_company": "Hafen Bank"})
    assert response.status_code == 200, response.get_json()
    assert stored(db, filed["id"]).prospect_company == "Hafen Bank"


def test_another_requester_gets_404_and_changes_nothing(db, api, seller):
    _, token = seller
    filed = file(api, token)
    _, stranger = api.as_role("requester", team="sales")
    for body in ({"context": "Mine now."}, {"opportunity_outcome": "lost"}):
        response = patch(api, stranger, filed["id"], body)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    request = stored(db, filed["id"])
    assert request.context == "A call about payments."
    assert request.opportunity_outcome == "open"


def test_an_advocate_may_not_patch_requests(db, api):
    request = ReferenceRequestFactory()
    _, user = advocate_with_login()
    response = patch(api, api.token(user), request.id, {"context": "x"})
    assert response.status_code == 403


def test_an_unknown_request_is_404(db, api, seller):
    _, token = seller
    assert patch(api, token, 999999, {"context": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({"advocates_needed"}, {"context": "Changed.", "advocates_needed": 0}),
        ({"needed_by"}, {"context": "Changed.", "needed_by": "2000-01-01"}),
        ({"opportunity_amount"}, {"context": "Changed.", "opportunity_amount": -1}),
        ({"status", "colour"}, {"context": "Changed.", "status": "completed", "colour": "blue"}),
        ({"opportunity_outcome"}, {"context": "Changed.", "opportunity_outcome": "maybe"}),
        ({"advocates_needed"}, {"advocates_needed": 0, "opportunity_outcome": "won"}),
        (
            {"advocates_needed", "opportunity_outcome"},
            {"advocates_needed": 0, "opportunity_outcome": "maybe"},
        ),
        (
            {"opportunity_amount"},
            {"context": "Changed.", "opportunity_outcome": "won", "opportunity_amount": "lots"},
        ),
    ],
)
def test_a_bad_field_is_422_naming_it_and_nothing_is_written(db, api, seller, fields, body):
    _, token = seller
    filed = file(api, token, opportunity_crm_id="006BAD")
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = patch(api, token, filed["id"], body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    request = stored(db, filed["id"])
    assert request.context == "A call about payments." and request.advocates_needed == 1
    assert request.opportunity_outcome == "open"
    assert db.session.scalar(sa.select(Opportunity.outcome)) == "open"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_a_closed_request_keeps_its_fields_but_takes_an_outcome(db, api, seller):
    _, token = seller
    filed = file(api, token)
    request = stored(db, filed["id"])
    request.status = "completed"
    response = patch(api, token, filed["id"], {"context": "Too late."})
    assert response.status_code == 409
    assert stored(db, filed["id"]).context == "A call about payments."
    response = patch(api, token, filed["id"], {"opportunity_outcome": "won"})
    assert response.status_code == 200, response.get_json()
    assert stored(db, filed["id"]).opportunity_outcome == "won"


# Outcomes ---------------------------------------------------------------------------------


def test_an_outcome_on_an_unlinked_request_is_the_request_s_own(db, api, seller):
    _, token = seller
    filed = file(api, token, opportunity_amount=100000)
    assert filed["opportunity_id"] is None
    response = patch(api, token, filed["id"], {"opportunity_outcome": "lost"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["opportunity_outcome"] == "lost" and body["opportunity_amount"] == "100000.00"
    assert audits(db, "request.outcome") == 1


def test_an_outcome_on_a_linked_request_changes_the_deal_and_its_other_requests(db, api, seller):
    _, token = seller
    first = file(api, token, opportunity_crm_id="006DEAL", opportunity_amount=200000)
    second = file(api, token, opportunity_crm_id="006DEAL", prospect_company="Hafen Bank")
    assert first["opportunity_id"] is not None
    assert second["opportunity_id"] == first["opportunity_id"]
    response = patch(
        api,
        token,
        first["id"],
        {"opportunity_outcome": "won", "opportunity_amount": "240,000", "context": "We won."},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["opportunity_outcome"] == "won" and body["opportunity_amount"] == "240000.00"
    assert body["context"] == "We won."
    db.session.expire_all()
    deal = db.session.scalars(sa.select(Opportunity)).one()
    assert (deal.crm_id, deal.outcome, str(deal.amount)) == ("006DEAL", "won", "240000.00")
    other = api.get(f"/api/v1/requests/{second['id']}", token).get_json()
    assert other["opportunity_outcome"] == "won" and other["opportunity_amount"] == "240000.00"
    assert stored(db, second["id"]).context == "A call about payments."
    assert audits(db, "opportunity.outcome_changed") == 1
    deal_view = api.get("/api/v1/opportunities/006DEAL", token).get_json()
    assert deal_view["outcome"] == "won"


def test_the_same_outcome_again_records_nothing(db, api, seller):
    _, token = seller
    filed = file(api, token, opportunity_crm_id="006SAME")
    assert patch(api, token, filed["id"], {"opportunity_outcome": "won"}).status_code == 200
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert patch(api, token, filed["id"], {"opportunity_outcome": "won"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_relinking_and_an_outcome_in_one_patch_reach_the_new_deal(db, api, seller):
    _, token = seller
    filed = file(api, token, opportunity_crm_id="006OLD")
    response = patch(
        api, token, filed["id"], {"opportunity_crm_id": "006NEW", "opportunity_outcome": "lost"}
    )
    assert response.status_code == 200, response.get_json()
    outcomes = dict(db.session.execute(sa.select(Opportunity.crm_id, Opportunity.outcome)).all())
    assert outcomes == {"006OLD": "open", "006NEW": "lost"}
    assert response.get_json()["opportunity_crm_id"] == "006NEW"


# The document -----------------------------------------------------------------------------


def test_the_patch_schema_names_exactly_what_the_endpoint_takes(db, api):
    expected = {*asks_requests.REQUEST_FIELDS, *lead_time.RUSH_FIELDS, "opportunity_outcome"}
    assert set(RequestChangeSchema().fields) == expected
    document = api.get("/api/v1/openapi.json", None).get_json()
    operation = document["paths"]["/api/v1/requests/{request_id}"]["patch"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RequestChange"}
    assert {"200", "404", "409", "422"} <= set(operation["responses"])
