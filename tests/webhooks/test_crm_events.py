"""Webhook events a CRM flow listens to: request submitted and fulfilled, opportunity outcome
changed, advocate status changed; each an outbox message carrying the object as the API shows
it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from portal.advocates import service as advocates
from portal.asks import asks, placing, requests
from portal.audit.models import AuditEvent
from portal.notifications.models import OutboxMessage
from portal.opportunities import service as opportunities
from portal.recruiting import csv_import
from portal.webhooks import service
from portal.webhooks.models import WEBHOOK_EVENTS, WebhookEndpoint
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

CRM_EVENTS = (
    "request.submitted",
    "request.fulfilled",
    "opportunity.outcome_changed",
    "advocate.status_changed",
)


@pytest.fixture
def admin(db):
    return UserFactory(role="admin", email="admin@example.com")


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def _subscribe(admin, *events):
    return service.create_endpoint(
        admin, {"url": "https://crm.example/hook", "events": list(events)}
    )


def _bodies(db, event=None) -> list[dict]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook")
    if event:
        query = query.where(OutboxMessage.subject == event)
    return [json.loads(m.body_text) for m in db.session.scalars(query.order_by(OutboxMessage.id))]


def test_the_crm_events_may_be_subscribed_to():
    assert set(CRM_EVENTS) <= set(WEBHOOK_EVENTS)


def test_an_outcome_change_sends_the_opportunity(db, admin, manager):
    _subscribe(admin, "opportunity.outcome_changed")
    opportunities.upsert(
        manager, "006W", {"name": "Acme - Platform", "amount": "120000", "outcome": "open"}
    )
    assert _bodies(db) == []  # a new open deal is no outcome change
    deal, _ = opportunities.upsert(manager, "006W", {"outcome": "won"})
    opportunities.upsert(manager, "006W", {"outcome": "won"})  # unchanged: nothing sent
    [body] = _bodies(db)
    assert body["event"] == "opportunity.outcome_changed"
    assert (body["entity"], body["entity_id"]) == ("opportunities", deal.id)
    assert body["data"] == {"from": "open", "to": "won", "source": "api"}
    assert body["actor_id"] == manager.id
    obj = body["object"]
    assert (obj["id"], obj["crm_id"], obj["outcome"]) == (deal.id, "006W", "won")
    assert (obj["name"], obj["amount"], obj["currency"]) == ("Acme - Platform", "120000.00", "USD")


def test_an_outcome_set_on_a_request_sends_the_opportunity_too(db, admin, manager):
    _subscribe(admin, "opportunity.outcome_changed")
    deal, _ = opportunities.upsert(manager, "006L", {"name": "Deal", "outcome": "open"})
    opportunities.set_outcome(manager, deal, "lost")
    [body] = _bodies(db)
    assert body["data"]["to"] == "lost" and body["object"]["outcome"] == "lost"


def test_filing_a_request_sends_request_submitted(db, admin):
    _subscribe(admin, "request.submitted")
    seller = UserFactory(role="requester", team="sales")
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "needed_by": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "advocates_needed": 1,
    }
    request = requests.create_request(seller, {**data, "opportunity_crm_id": "006R"})
    requests.save_draft(seller, data)  # a draft is not filed
    [body] = _bodies(db)
    assert body["event"] == "request.submitted"
    assert (body["entity"], body["entity_id"]) == ("reference_requests", request.id)
    obj = body["object"]
    assert obj["id"] == request.id and obj["opportunity_crm_id"] == "006R"
    assert obj["opportunity_id"] == request.opportunity_id is not None


def test_enough_acceptances_send_request_fulfilled(db, admin, manager):
    _subscribe(admin, "request.fulfilled")
    advocate, user = advocate_with_login()
    request = ReferenceRequestFactory(advocates_needed=1)
    ask = placing.place_ask(manager, request, advocate)
    assert _bodies(db) == []
    asks.answer_ask(user, ask, accept=True)
    [body] = _bodies(db)
    assert (body["entity"], body["entity_id"]) == ("reference_requests", request.id)
    assert body["object"]["status"] == "fulfilled"


def test_a_status_move_sends_advocate_status_changed(db, admin, manager):
    _subscribe(admin, "advocate.status_changed")
    advocate, _ = advocate_with_login()
    advocates.change_status(manager, advocate, "paused", "Parental leave")
    [body] = _bodies(db)
    assert body["data"] == {"from": "active", "to": "paused", "reason": "Parental leave"}
    assert body["object"]["id"] == advocate.id and body["object"]["status"] == "paused"


def test_a_status_move_by_csv_import_sends_advocate_status_changed_too(db, admin, manager):
    _subscribe(admin, "advocate.status_changed")
    account = AccountFactory(crm_id="A-7")
    moved = AdvocateFactory(account=account, email="p@x.example", name="P", status="nominated")
    AdvocateFactory(account=account, email="q@x.example", name="Q", status="nominated")
    text = "email,name,account_crm_id,status\np@x.example,P,A-7,invited\nq@x.example,Q,A-7,\n"
    report = csv_import.run_import(manager, "advocates", text)
    assert report.counts["update"] == 1
    [body] = _bodies(db)
    assert body["data"] == {"from": "nominated", "to": "invited", "reason": "CSV import"}
    assert body["object"]["id"] == moved.id and body["object"]["status"] == "invited"
    # The audit trail has the move itself, beside the import's summary event.
    [event] = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.status_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert (event.entity_id, event.actor_id) == (moved.id, manager.id)
    # The same file again moves nothing and sends nothing.
    csv_import.run_import(manager, "advocates", text)
    assert len(_bodies(db)) == 1


def test_an_endpoint_gets_only_the_events_it_chose(db, admin, manager):
    _subscribe(admin, "request.submitted")
    opportunities.upsert(manager, "006N", {"name": "Deal", "outcome": "won"})
    assert _bodies(db) == []


def test_the_admin_form_offers_and_saves_the_new_events(db, client, auth, admin):
    db.session.commit()
    auth.login(admin.email)
    page = client.get("/admin/webhooks/new").get_data(as_text=True)
    for event in CRM_EVENTS:
        assert f'value="{event}"' in page
    assert "Opportunity outcome changed" in page and "Request submitted" in page
    response = client.post(
        "/admin/webhooks/new",
        data={
            "url": "https://crm.example/portal-hook",
            "events": ["request.submitted", "opportunity.outcome_changed"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.events == ["request.submitted", "opportunity.outcome_changed"]
    show = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Opportunity outcome changed" in show
