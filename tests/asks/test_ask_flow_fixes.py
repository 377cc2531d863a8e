"""The ask flow: placing assigns the manager, refusals read once and redirect, and an advocate
backs out of an accepted ask."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import asks, completion, placing
from portal.asks.models import Ask
from portal.asks.overuse import LIVE_ASK_STATUSES
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.notifications.models import OutboxMessage
from tests.factories import (
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def now():
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", name="Mona Manager")


def outbox(db, template):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template)
    ).all()


def audits(db, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


# -- 3. placing an ask assigns the manager ---------------------------------------------------


def test_placing_an_ask_assigns_the_placing_manager_to_an_unassigned_request(db, manager):
    request = ReferenceRequestFactory()
    advocate = AdvocateFactory()
    assert request.manager_id is None
    placing.place_ask(manager, request, advocate)
    assert request.manager_id == manager.id
    [event] = audits(db, "request.assigned")
    assert event.entity_id == request.id and event.data["to"] == manager.id


def test_placing_an_ask_keeps_a_manager_already_assigned(db, manager):
    other = UserFactory(role="manager")
    request = ReferenceRequestFactory(manager=other)
    placing.place_ask(manager, request, AdvocateFactory())
    assert request.manager_id == other.id
    assert audits(db, "request.assigned") == []


def test_request_page_names_the_manager_after_asks_from_the_matches(client, auth, db, manager):
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory()
    db.session.commit()
    auth.login(manager.email)
    client.post(f"/program/requests/{request.id}/asks", data={"advocate_id": str(advocate.id)})
    db.session.expire_all()
    assert db.session.get(type(request), request.id).manager_id == manager.id


# -- 4. refusals from the matches page ---------------------------------------------------------


def test_refused_asks_name_each_advocate_once_and_redirect_to_the_matches(
    client, auth, db, manager
):
    ada = AdvocateFactory(name="Ada Lovelace", activity_types=["quote"])
    request = ReferenceRequestFactory()
    db.session.commit()
    auth.login(manager.email)
    response = client.post(
        f"/program/requests/{request.id}/asks", data={"advocate_id": str(ada.id)}
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/program/requests/{request.id}#matches")
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert "Ada Lovelace can&#39;t be asked: " in page or "Ada Lovelace can't be asked: " in page
    assert "Ada Lovelace: Ada Lovelace" not in page
    assert page.count("Ada Lovelace can") == 1
    assert db.session.scalars(sa.select(Ask)).all() == []


def test_partly_refused_asks_name_the_refused_advocate_once(client, auth, db, manager):
    ada = AdvocateFactory(name="Ada Lovelace", activity_types=["quote"])
    bob = AdvocateFactory(name="Bob Builder")
    request = ReferenceRequestFactory(advocates_needed=2)
    db.session.commit()
    auth.login(manager.email)
    response = client.post(
        f"/program/requests/{request.id}/asks",
        data={"advocate_id": [str(ada.id), str(bob.id)]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Asked Bob Builder" in page
    assert "Not asked: Ada Lovelace can" in page
    assert "Ada Lovelace: Ada Lovelace" not in page


# -- 5. the advocate backs out of an accepted ask ----------------------------------------------


@pytest.fixture
def accepted(db, manager):
    advocate, user = advocate_with_login(
        name="Ada Lovelace", max_per_month=1, max_per_quarter=3, min_days_between=0
    )
    request = ReferenceRequestFactory(manager=manager)
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    db.session.flush()
    return ask


def test_advocate_withdraws_an_accepted_ask_and_the_slot_frees(db, manager, accepted):
    advocate, request = accepted.advocate, accepted.request
    assert request.status == "fulfilled"
    asks.withdraw_acceptance(advocate.user, accepted, "My CFO needs me at the board meeting.")
    assert accepted.status == "declined" and accepted.status not in LIVE_ASK_STATUSES
    assert accepted.note == "My CFO needs me at the board meeting."
    assert request.status == "in_progress"
    [event] = [e for e in audits(db, "ask.declined") if e.data.get("after_acceptance")]
    assert event.data["from"] == "accepted"
    assert event.data["note"] == "My CFO needs me at the board meeting."
    told = {m.recipient for m in outbox(db, "ask_backed_out")}
    assert told == {request.requester.email, manager.email}
    assert "board meeting" in outbox(db, "ask_backed_out")[0].body_text
    # max_per_month=1: the freed place takes a new ask at once.
    again = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    assert again.status == "pending"


def test_withdrawing_a_scheduled_acceptance_cancels_the_calendar_event(db, manager, accepted):
    completion.schedule_ask(manager, accepted, now() + dt.timedelta(days=3))
    db.session.flush()
    asks.withdraw_acceptance(accepted.advocate.user, accepted, "Travel got cancelled.")
    to_requester = [
        m for m in outbox(db, "ask_backed_out") if m.recipient == accepted.request.requester.email
    ]
    assert to_requester[0].attachments and "CANCEL" in str(to_requester[0].attachments)
    [cancelled] = outbox(db, "ask_cancelled")
    assert cancelled.recipient == accepted.advocate.email


def test_withdrawing_an_acceptance_needs_a_reason_own_ask_and_an_accepted_status(
    db, manager, accepted
):
    user = accepted.advocate.user
    with pytest.raises(ValidationFailed) as missing:
        asks.withdraw_acceptance(user, accepted, "  ")
    assert "reason" in missing.value.fields
    _, stranger = advocate_with_login()
    with pytest.raises(NotFound):
        asks.withdraw_acceptance(stranger, accepted, "Not mine")
    completion.complete_ask(manager, accepted, rating=5)
    with pytest.raises(DomainError, match="only an accepted one"):
        asks.withdraw_acceptance(user, accepted, "Too late")
    assert accepted.status == "completed"
    assert outbox(db, "ask_backed_out") == []


def test_advocate_withdraws_from_the_ask_page_with_a_reason(client, auth, db, accepted):
    db.session.commit()
    user, ask_id = accepted.advocate.user, accepted.id
    auth.login(user.email)
    page = client.get(f"/me/asks/{ask_id}").get_data(as_text=True)
    assert f"/me/asks/{ask_id}/withdraw" in page and "Withdraw my acceptance" in page
    empty = client.post(f"/me/asks/{ask_id}/withdraw", data={"reason": ""})
    assert empty.status_code == 422
    assert "withdraw-reason-error" in empty.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ask, ask_id).status == "accepted"
    done = client.post(f"/me/asks/{ask_id}/withdraw", data={"reason": "Moved to a new role."})
    assert done.status_code == 302
    db.session.expire_all()
    ask = db.session.get(Ask, ask_id)
    assert ask.status == "declined" and ask.note == "Moved to a new role."
    assert f"/me/asks/{ask_id}/withdraw" not in client.get(f"/me/asks/{ask_id}").get_data(
        as_text=True
    )
