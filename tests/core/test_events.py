"""Audited state changes are published as domain events, in the transaction of the change."""

from portal.asks.placing import place_ask
from portal.events import SUBSCRIBERS, subscribe
from portal.notifications.models import OutboxMessage
from tests.factories import AdvocateFactory, ReferenceRequestFactory, UserFactory


def test_an_audited_change_reaches_its_subscribers_once(db):
    seen = []

    @subscribe("ask.placed", "ask.placed")
    def note(event):
        seen.append(event)

    try:
        manager = UserFactory(role="manager")
        request = ReferenceRequestFactory(activity_type="reference_call")
        advocate = AdvocateFactory(status="active", activity_types=["reference_call"])
        ask = place_ask(manager, request, advocate)
        assert len(seen) == 1
        event = seen[0]
        assert (event.action, event.entity, event.entity_id) == ("ask.placed", "asks", ask.id)
        assert event.obj is ask and event.actor is manager
        assert event.data["advocate_id"] == advocate.id
    finally:
        SUBSCRIBERS["ask.placed"].remove(note)


def test_what_a_subscriber_writes_is_rolled_back_with_the_change(db):
    @subscribe("ask.placed")
    def write(event):
        db.session.add(
            OutboxMessage(template="t", recipient="x@example.com", subject="s", body_text="b")
        )

    try:
        manager = UserFactory(role="manager")
        request = ReferenceRequestFactory(activity_type="reference_call")
        advocate = AdvocateFactory(status="active", activity_types=["reference_call"])
        db.session.commit()
        before = db.session.query(OutboxMessage).count()
        place_ask(manager, request, advocate)
        db.session.rollback()
        assert db.session.query(OutboxMessage).count() == before
    finally:
        SUBSCRIBERS["ask.placed"].remove(write)
