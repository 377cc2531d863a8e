"""The account's CSM may veto an ask to one of their contacts within a window (program setting
csm_veto_hours, off by default): the ask counts at once but the advocate neither sees nor hears
of it until the window closes; a veto withdraws it and deletes the advocate's unsent e-mail."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.asks import asks, placing
from portal.asks.models import Ask
from portal.asks.overuse import refusals
from portal.audit.models import AuditEvent
from portal.dashboard.service import advocate_home
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.sender import send_due
from portal.notifications.transports import build_email
from portal.program.service import get_setting, set_setting
from tests.factories import AccountFactory, AdvocateFactory, ReferenceRequestFactory, UserFactory

FREE = {"max_per_month": 10, "max_per_quarter": 20, "max_per_year": 40, "min_days_between": 0}
ONE = {"max_per_month": 1, "max_per_quarter": 20, "max_per_year": 40, "min_days_between": 0}


@pytest.fixture
def people(db):
    manager = UserFactory(role="manager")
    requester = UserFactory(role="requester")
    csm = UserFactory(role="csm", timezone="Europe/Paris")
    advocate = AdvocateFactory(
        account=AccountFactory(csm=csm, name="Acme"), user=UserFactory(role="advocate"), **FREE
    )
    request = ReferenceRequestFactory(requester=requester, prospect_company="Globex")
    return manager, requester, csm, advocate, request


def messages_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == email)
    ).all()


def held(db, people, hours=24):
    manager, _, _, advocate, request = people
    set_setting(manager, "csm_veto_hours", hours)
    ask = placing.place_ask(manager, request, advocate)
    db.session.commit()
    return ask


def test_asks_are_not_held_when_the_setting_is_off_by_default(db, people):
    manager, _, csm, advocate, request = people
    assert get_setting("csm_veto_hours") is None
    ask = placing.place_ask(manager, request, advocate)
    db.session.commit()
    assert ask.held_until is None and not ask.is_held()
    [mail] = messages_to(advocate.email)
    assert mail.next_attempt_at <= dt.datetime.now(dt.UTC)
    [told] = messages_to(csm.email)
    assert "/veto" not in told.body_text
    assert send_due().sent == 2


def test_held_ask_counts_at_once_and_the_advocates_mail_waits_for_the_window(db, people):
    manager, _, csm, advocate, request = people
    advocate.max_per_month = 1
    before = dt.datetime.now(dt.UTC)
    ask = held(db, people)
    assert ask.status == "pending"
    assert before + dt.timedelta(hours=24) <= ask.held_until <= before + dt.timedelta(hours=25)
    # Rule 1: it counts against the advocate's limits from the moment it is placed.
    assert refusals(advocate, request.activity_type)
    [mail] = messages_to(advocate.email)
    assert mail.template == "ask_placed" and mail.next_attempt_at == ask.held_until
    # The advocate's bell says nothing yet either.
    assert not db.session.scalars(
        sa.select(Notification).where(Notification.user_id == advocate.user_id)
    ).all()
    [told] = messages_to(csm.email)
    assert f"/recruiting/asks/{ask.id}/veto" in told.body_text
    assert "stop the ask until then" in told.body_text
    assert "(Europe/Paris)" in told.body_text  # the window's end in the CSM's zone

    assert send_due().sent == 1  # the CSM's only
    assert messages_to(advocate.email)[0].status == "queued"
    with freeze_time(ask.held_until - dt.timedelta(minutes=1)):
        assert send_due().sent == 0
    with freeze_time(ask.held_until + dt.timedelta(minutes=1)):
        assert send_due().sent == 1
    assert messages_to(advocate.email)[0].status == "sent"


def test_the_advocate_neither_sees_nor_answers_a_held_ask(db, people, client, auth):
    manager, _, _, advocate, _ = people
    ask = held(db, people)
    auth.login(advocate.user.email)
    assert client.get(f"/me/asks/{ask.id}").status_code == 404
    assert ask not in advocate_home(advocate)["waiting"]
    assert ask not in db.session.scalars(asks.asks_query(advocate.user)).all()
    with pytest.raises(DomainError, match="This ask isn't open yet."):
        asks.answer_ask(advocate.user, ask, accept=True)
    [mail] = messages_to(advocate.email)
    text = build_email(mail, "refs@portal.test").get_body(("plain",)).get_content()
    accept = re.search(r"https?://\S+/me/asks/answer/accept/\S+", text).group(0)
    path = accept.split("://", 1)[-1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "open yet" in page.text
    client.post(f"/{path}")
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "pending"
    # Once the window closes it is an ordinary pending ask.
    with freeze_time(ask.held_until + dt.timedelta(minutes=1)):
        auth.login(advocate.user.email)  # the earlier session has timed out by then
        assert client.get(f"/me/asks/{ask.id}").status_code == 200
        assert ask in db.session.scalars(asks.asks_query(advocate.user)).all()
        asks.answer_ask(advocate.user, ask, accept=True)
    assert ask.status == "accepted"


def test_the_csm_vetoes_in_the_window_and_the_advocate_never_hears(db, people, client, auth):
    manager, requester, csm, advocate, request = people
    ask = held(db, people)
    request.manager_id = manager.id
    db.session.commit()
    [mail_id] = [mail.id for mail in messages_to(advocate.email)]
    auth.login(csm.email)
    assert client.get(f"/recruiting/asks/{ask.id}/veto").status_code == 200
    response = client.post(
        f"/recruiting/asks/{ask.id}/veto", data={"reason": "Renewal talks this week."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    ask = db.session.get(Ask, ask.id)
    assert ask.status == "withdrawn" and ask.note == "Renewal talks this week."
    assert messages_to(advocate.email) == []
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "ask.vetoed").order_by(AuditEvent.id)
    ).one()
    assert event.actor_id == csm.id and event.entity_id == ask.id
    assert event.data["reason"] == "Renewal talks this week."
    assert event.data["deleted"]["id"] == mail_id
    for person in (requester, manager):
        [told] = messages_to(person.email)
        assert told.template == "ask_vetoed" and "Renewal talks this week." in told.body_text
    # Nothing ever reaches the advocate, after the window either.
    with freeze_time(ask.held_until + dt.timedelta(days=1)):
        send_due()
    assert messages_to(advocate.email) == []
    assert not db.session.scalars(
        sa.select(Notification).where(Notification.user_id == advocate.user_id)
    ).all()


def test_a_veto_needs_a_reason_and_writes_nothing_without_one(db, people):
    _, _, csm, advocate, _ = people
    ask = held(db, people)
    with pytest.raises(ValidationFailed):
        placing.veto_ask(csm, ask, "  ")
    assert ask.status == "pending" and len(messages_to(advocate.email)) == 1


def test_a_veto_after_the_window_is_refused(db, people, client, auth):
    _, _, csm, advocate, _ = people
    ask = held(db, people, hours=1)
    with freeze_time(ask.held_until + dt.timedelta(minutes=1)):
        with pytest.raises(DomainError, match="passed"):
            placing.veto_ask(csm, ask, "Too late.")
        db.session.rollback()
        auth.login(csm.email)
        response = client.post(f"/recruiting/asks/{ask.id}/veto", data={"reason": "Too late."})
        assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "pending"
    assert len(messages_to(advocate.email)) == 1


def test_only_the_accounts_csm_or_the_program_team_may_veto(db, people, client, auth):
    manager, requester, _, advocate, _ = people
    ask = held(db, people)
    other_csm = UserFactory(role="csm")
    db.session.commit()
    with pytest.raises(NotFound):
        placing.veto_ask(other_csm, ask, "Not mine.")
    with pytest.raises(NotFound):
        placing.veto_ask(requester, ask, "Not mine.")
    auth.login(other_csm.email)
    assert client.post(f"/recruiting/asks/{ask.id}/veto", data={"reason": "x"}).status_code == 404
    auth.logout()
    auth.login(requester.email)
    assert client.post(f"/recruiting/asks/{ask.id}/veto", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "pending"
    # The program team may.
    placing.veto_ask(manager, db.session.get(Ask, ask.id), "Program call.")
    assert db.session.get(Ask, ask.id).status == "withdrawn"


def test_no_hold_when_the_csm_places_the_ask_or_is_inactive(db, people):
    manager, _, csm, advocate, _ = people
    set_setting(manager, "csm_veto_hours", 24)
    csm.active = False
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    assert ask.held_until is None


@pytest.mark.parametrize("value", [0, 169, -1, 1.5, "12", True])
def test_the_veto_window_setting_is_validated(db, value):
    manager = UserFactory(role="manager")
    with pytest.raises(ValidationFailed):
        set_setting(manager, "csm_veto_hours", value)
    assert get_setting("csm_veto_hours") is None


@pytest.mark.parametrize("value", [1, 168, None])
def test_the_veto_window_setting_takes_whole_hours_up_to_a_week(db, value):
    manager = UserFactory(role="manager")
    set_setting(manager, "csm_veto_hours", value)
    assert get_setting("csm_veto_hours") == value
