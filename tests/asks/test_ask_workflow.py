"""Placing, answering (in the portal and by one-click e-mail links), withdrawing, expiring."""

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from portal.asks import asks, placing
from portal.asks.models import Ask
from portal.asks.overuse import OveruseRefused
from portal.audit.models import AuditEvent
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.notifications.models import OutboxMessage
from tests.factories import (
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import delivered_text


def now():
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def advocate(db):
    advocate, _ = advocate_with_login(max_per_month=5, max_per_quarter=10, min_days_between=0)
    return advocate


def outbox(db, template):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template)
    ).all()


def test_manager_places_an_ask_that_emails_the_advocate_with_answer_links(db, manager, advocate):
    request = ReferenceRequestFactory()
    ask = placing.place_ask(manager, request, advocate)
    assert ask.status == "pending"
    assert request.status == "in_progress"
    [message] = outbox(db, "ask_placed")
    assert message.recipient == advocate.email
    assert "/me/asks/answer/accept/" in message.body_text
    assert "/me/asks/answer/decline/" in message.body_text
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.entity == "asks")) == (
        "ask.placed"
    )


def test_asking_the_same_advocate_twice_for_one_request_is_refused(db, manager, advocate):
    request = ReferenceRequestFactory()
    placing.place_ask(manager, request, advocate)
    with pytest.raises(DomainError, match="already asked"):
        placing.place_ask(manager, request, advocate)


def test_advocate_at_the_prospect_company_is_refused(db, manager, advocate):
    request = ReferenceRequestFactory(prospect_company=advocate.account.name.upper())
    with pytest.raises(DomainError, match="works at the prospect"):
        placing.place_ask(manager, request, advocate)


def test_overuse_refusal_names_the_rule(db, manager, advocate):
    advocate.max_per_month = 1
    placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    with pytest.raises(OveruseRefused, match="monthly limit of 1 reached"):
        placing.place_ask(manager, ReferenceRequestFactory(), advocate)


def test_requester_places_asks_only_for_self_service_types_of_their_own_request(db, advocate):
    requester = UserFactory(role="requester", team="sales")
    call = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    with pytest.raises(Forbidden, match="go through the reference team"):
        placing.place_ask(requester, call, advocate)
    advocate.activity_types = ["peer_review"]
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    assert placing.place_ask(requester, review, advocate).status == "pending"
    someone_elses = ReferenceRequestFactory(activity_type="peer_review")
    with pytest.raises(Forbidden):
        placing.place_ask(requester, someone_elses, AdvocateFactory(activity_types=["peer_review"]))


def test_respond_by_must_be_in_the_future(db, manager, advocate):
    with pytest.raises(ValidationFailed) as refused:
        placing.place_ask(
            manager, ReferenceRequestFactory(), advocate, respond_by=now() - dt.timedelta(hours=1)
        )
    assert "respond_by" in refused.value.fields


def test_accepting_enough_asks_fulfils_the_request_and_tells_the_requester(db, manager):
    request = ReferenceRequestFactory(advocates_needed=2)
    first, first_user = advocate_with_login()
    second, second_user = advocate_with_login()
    ask1 = placing.place_ask(manager, request, first)
    ask2 = placing.place_ask(manager, request, second)
    asks.answer_ask(first_user, ask1, accept=True, proposed_times="Tue 3pm CET")
    assert request.status == "in_progress"
    asks.answer_ask(second_user, ask2, accept=True)
    assert request.status == "fulfilled"
    answers = outbox(db, "ask_answered")
    assert [m.recipient for m in answers] == [request.requester.email] * 2
    assert "Tue 3pm CET" in answers[0].body_text


def test_decline_needs_a_known_reason_and_keeps_the_note(db, manager, advocate):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    with pytest.raises(ValidationFailed) as refused:
        asks.answer_ask(advocate.user, ask, accept=False, reason="bored")
    assert "reason" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        asks.answer_ask(advocate.user, ask, accept=False, reason="timing", note="x" * 100_000)
    assert "note" in refused.value.fields
    assert ask.status == "pending"
    asks.answer_ask(advocate.user, ask, accept=False, reason="too_busy", note="Quarter end")
    assert (ask.status, ask.decline_reason, ask.note) == ("declined", "too_busy", "Quarter end")


def test_an_advocate_cannot_answer_another_advocates_ask(db, manager, advocate):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    _, other_user = advocate_with_login()
    with pytest.raises(NotFound):
        asks.answer_ask(other_user, ask, accept=True)
    with pytest.raises(NotFound):
        asks.get_ask(other_user, ask.id)


def test_answer_after_respond_by_is_refused_and_the_ask_expires(db, manager, advocate):
    ask = placing.place_ask(
        manager, ReferenceRequestFactory(), advocate, respond_by=now() + dt.timedelta(hours=1)
    )
    later = now() + dt.timedelta(hours=2)
    with pytest.raises(DomainError, match="has expired"):
        asks.answer_ask(advocate.user, ask, accept=True, at=later)
    assert asks.expire_overdue_asks(later) == 1
    assert ask.status == "expired"


def test_withdrawn_ask_frees_the_advocates_limit(db, manager, advocate):
    advocate.max_per_month = 1
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    asks.withdraw_ask(manager, ask, "Deal slipped")
    assert outbox(db, "ask_withdrawn")[0].recipient == advocate.email
    assert placing.place_ask(manager, ReferenceRequestFactory(), advocate).status == "pending"


def _links(db):
    body = delivered_text(outbox(db, "ask_placed")[-1])
    return {
        action: re.search(rf"http://127.0.0.1:5000(/me/asks/answer/{action}/\S+)", body).group(1)
        for action in ("accept", "decline")
    }


def test_one_click_accept_confirms_on_get_and_answers_on_post(db, client, manager, advocate):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    db.session.commit()
    links = _links(db)
    page = client.get(links["accept"])
    assert page.status_code == 200
    assert b"Yes, I can help" in page.data
    db.session.refresh(ask)
    assert ask.status == "pending"  # a GET never changes state
    assert client.post(links["accept"], data={"proposed_times": "Friday"}).status_code == 302
    db.session.refresh(ask)
    assert (ask.status, ask.proposed_times) == ("accepted", "Friday")
    again = client.post(links["accept"])
    assert again.status_code == 400
    assert b"already been used" in again.data
    other = client.get(links["decline"])
    assert b"You already answered" in other.data


def test_one_click_decline_needs_a_reason(db, client, manager, advocate):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    db.session.commit()
    links = _links(db)
    response = client.post(links["decline"], data={"reason": ""})
    assert response.status_code == 422
    db.session.refresh(ask)
    assert ask.status == "pending"
    assert client.post(links["decline"], data={"reason": "timing"}).status_code == 302
    db.session.refresh(ask)
    assert (ask.status, ask.decline_reason) == ("declined", "timing")


def test_expired_tampered_and_swapped_links_are_refused(db, client, manager, advocate):
    ask = placing.place_ask(
        manager, ReferenceRequestFactory(), advocate, respond_by=now() + dt.timedelta(hours=1)
    )
    db.session.commit()
    links = _links(db)
    tampered = links["accept"][:-2] + ("xx" if not links["accept"].endswith("xx") else "yy")
    assert client.get(tampered).status_code == 400
    swapped = links["decline"].replace("/decline/", "/accept/")
    assert client.get(swapped).status_code == 400
    db.session.execute(
        sa.text("UPDATE link_tokens SET expires_at = :past"),
        {"past": (now() - dt.timedelta(minutes=1)).replace(tzinfo=None)},
    )
    db.session.commit()
    expired = client.post(links["accept"])
    assert expired.status_code == 400
    assert b"expired" in expired.data
    db.session.refresh(ask)
    assert ask.status == "pending"


def test_concurrent_asks_never_exceed_the_monthly_limit(app, db):
    """20 managers ask one advocate at the same instant; exactly the limit succeed."""
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(
        max_per_month=3, max_per_quarter=50, max_per_year=50, min_days_between=0
    )
    requests = [ReferenceRequestFactory() for _ in range(20)]
    db.session.commit()
    ids = (manager.id, advocate.id, [r.id for r in requests])
    start = threading.Barrier(20)
    results = []

    def place(request_id):
        with app.app_context():
            from portal.extensions import db as thread_db
            from portal.models import Advocate, ReferenceRequest, User

            # Meet before touching the database: the pool has fewer connections than threads.
            start.wait(timeout=60)
            try:
                actor = thread_db.session.get(User, ids[0])
                target = thread_db.session.get(Advocate, ids[1])
                request = thread_db.session.get(ReferenceRequest, request_id)
                placing.place_ask(actor, request, target)
                thread_db.session.commit()
                results.append("placed")
            except OveruseRefused:
                thread_db.session.rollback()
                results.append("refused")
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=place, args=(rid,)) for rid in ids[2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results).count("placed") == 3
    assert results.count("refused") == 17
    db.session.expire_all()
    live = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ask).where(Ask.advocate_id == ids[1])
    )
    assert live == 3


def test_markup_in_an_answer_is_refused_on_every_path(db, manager, advocate):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    with pytest.raises(ValidationFailed) as refused:
        asks.answer_ask(advocate.user, ask, accept=True, note="<script>alert(1)</script>")
    assert "note" in refused.value.fields
    assert ask.status == "pending"
