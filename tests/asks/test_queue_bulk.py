"""Bulk actions of the request queue: assign (to me, to a chosen manager) and reject several
requests at once, all or nothing, each audited as the single-request action is."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import queue
from portal.asks.models import Ask, ReferenceRequest, RequestComment
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.notifications.models import OutboxMessage
from tests.factories import AdvocateFactory, AskFactory, ReferenceRequestFactory, UserFactory
from tests.helpers import count, sign_in


@pytest.fixture
def manager(db, auth):
    return sign_in(db, auth, "manager", name="Maya Manager")


@pytest.fixture
def three(db):
    requests = [ReferenceRequestFactory(prospect_company=f"Bank {n}") for n in range(3)]
    db.session.commit()
    return requests


def audits(db, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.entity_id)
    ).all()


def request_audits(db) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.entity.in_(["reference_requests", "asks"]))
    )


def fresh(db, request):
    db.session.expire_all()
    return db.session.get(ReferenceRequest, request.id)


def test_assign_to_me_assigns_each_ticked_request_and_audits_each(client, db, manager, three):
    first, second, third = three
    response = client.post(
        "/program/queue/bulk",
        data={
            "request_id": [str(first.id), str(third.id)],
            "action": "assign_me",
            "view": "open",
            "q": "Bank",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/program/queue?view=open&q=Bank"
    assert fresh(db, first).manager_id == manager.id
    assert fresh(db, third).manager_id == manager.id
    assert fresh(db, second).manager_id is None
    events = audits(db, "request.assigned")
    assert [(e.entity_id, e.actor_id, e.data) for e in events] == [
        (first.id, manager.id, {"from": None, "to": manager.id}),
        (third.id, manager.id, {"from": None, "to": manager.id}),
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Assigned 2 requests to you." in page


def test_assign_to_a_chosen_manager(client, db, manager, three):
    colleague = UserFactory(role="admin", name="Ada Admin")
    db.session.commit()
    ids = [str(r.id) for r in three]
    response = client.post(
        "/program/queue/bulk",
        data={"request_id": ids, "action": "assign", "manager_id": str(colleague.id)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Assigned 3 requests to Ada Admin." in response.get_data(as_text=True)
    assert {fresh(db, r).manager_id for r in three} == {colleague.id}
    assert len(audits(db, "request.assigned")) == 3


def test_assign_to_someone_outside_the_program_team_is_refused(client, db, manager, three):
    seller = UserFactory(role="requester")
    db.session.commit()
    response = client.post(
        "/program/queue/bulk",
        data={"request_id": [str(three[0].id)], "action": "assign", "manager_id": str(seller.id)},
    )
    assert response.status_code == 422
    assert "Choose a reference manager." in response.get_data(as_text=True)
    assert fresh(db, three[0]).manager_id is None
    assert request_audits(db) == 0


def test_reject_closes_each_request_withdraws_its_asks_and_tells_why(client, db, manager, three):
    first, second, _ = three
    ask = AskFactory(request=first, advocate=AdvocateFactory(status="active"))
    db.session.commit()
    response = client.post(
        "/program/queue/bulk",
        data={
            "request_id": [str(first.id), str(second.id)],
            "action": "reject",
            "reason": "Not a fit for the program this quarter.",
        },
    )
    assert response.status_code == 302
    for request in (first, second):
        found = fresh(db, request)
        assert found.status == "cancelled"
        assert found.status_reason == "Not a fit for the program this quarter."
    assert db.session.get(Ask, ask.id).status == "withdrawn"
    comments = db.session.scalars(sa.select(RequestComment.body)).all()
    assert comments == ["Rejected: Not a fit for the program this quarter."] * 2
    assert [e.entity_id for e in audits(db, "request.cancelled")] == [first.id, second.id]
    assert len(audits(db, "ask.withdrawn")) == 1
    assert count(db, OutboxMessage) >= 1  # the advocate hears the ask is no longer needed


def test_one_refusal_changes_nothing_and_names_the_request_and_why(client, db, manager, three):
    first, second, third = three
    second.status = "completed"
    ask = AskFactory(request=first, advocate=AdvocateFactory(status="active"))
    db.session.commit()
    response = client.post(
        "/program/queue/bulk",
        data={
            "request_id": [str(first.id), str(second.id), str(third.id), "999999"],
            "action": "reject",
            "reason": "Duplicates.",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Nothing was changed" in page
    assert (
        f"Reference call for Bank 1 (#{second.id}): The request is completed; "
        "it can&#39;t be rejected." in page
    )
    assert "Request #999999: No such request." in page
    # The ticks and the reason are kept for another try.
    box = f'value="{first.id}" id="pick-{first.id}" aria-label="Select Reference call for Bank 0"'
    assert box + " checked" in page
    assert 'value="Duplicates."' in page
    assert fresh(db, first).status == "submitted" and fresh(db, third).status == "submitted"
    assert db.session.get(Ask, ask.id).status == "pending"
    assert request_audits(db) == 0
    assert count(db, RequestComment) == 0
    assert count(db, OutboxMessage) == 0


def test_reject_without_a_reason_writes_nothing(client, db, manager, three):
    response = client.post(
        "/program/queue/bulk",
        data={"request_id": [str(r.id) for r in three], "action": "reject", "reason": "  "},
    )
    assert response.status_code == 422
    assert "Say why, for the requester." in response.get_data(as_text=True)
    assert {fresh(db, r).status for r in three} == {"submitted"}
    assert request_audits(db) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "assign_me"}, "Tick at least one request."),
        ({"action": "assign_me", "request_id": ["1x"]}, "Tick requests from the list."),
        ({"action": "assign_me", "request_id": ["99999999999"]}, "Tick requests from the list."),
        ({"action": "destroy", "request_id": ["1"]}, "Choose what to do with the ticked requests."),
        ({"action": "assign", "request_id": ["1"]}, "Choose a reference manager."),
    ],
)
def test_bad_bulk_input_is_refused_with_why(client, db, manager, three, data, message):
    response = client.post("/program/queue/bulk", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert request_audits(db) == 0


def test_more_than_a_hundred_ticked_is_refused(db, three):
    manager = UserFactory(role="manager")
    with pytest.raises(ValidationFailed) as refused:
        queue.bulk_update(manager, [str(n) for n in range(1, 102)], "assign_me")
    assert refused.value.fields == {"request_id": "Tick at most 100 requests at a time."}


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_program_team_acts_in_bulk(db, three, role):
    outsider = UserFactory(role=role)
    db.session.flush()
    with pytest.raises(Forbidden):
        queue.bulk_update(outsider, [three[0].id], "assign_me")
    with pytest.raises(Forbidden):
        queue.bulk_update(outsider, [three[0].id], "reject", reason="No.")
    assert fresh(db, three[0]).manager_id is None
    assert fresh(db, three[0]).status == "submitted"


def test_requesters_get_403_from_the_bulk_route(client, db, auth, three):
    sign_in(db, auth, "requester")
    response = client.post(
        "/program/queue/bulk", data={"request_id": [str(three[0].id)], "action": "assign_me"}
    )
    assert response.status_code == 403
    assert fresh(db, three[0]).manager_id is None


def test_the_queue_offers_the_bulk_actions_and_a_box_per_request(client, db, manager, three):
    page = client.get("/program/queue?view=new").get_data(as_text=True)
    assert 'id="pick-all" aria-label="Select all requests on this page"' in page
    for request in three:
        assert f'name="request_id" value="{request.id}"' in page
    assert 'value="assign_me">Assign to me</button>' in page
    assert '<option value="' + str(manager.id) + '" >Maya Manager</option>' in page
    assert 'src="/static/js/queue.js"' in page


def test_the_queue_is_a_top_level_menu_entry_for_the_program_team(client, db, manager):
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/program/queue">Queue</a>' in page
    assert "Request queue" not in page  # no longer in the Program dropdown
    queue_page = client.get("/program/queue").get_data(as_text=True)
    assert 'aria-current="page"\n               href="/program/queue">Queue</a>' in queue_page
