"""`flask send-outbox` delivers webhooks to a real server, backs off after a 500, then succeeds."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.audit import service as audit
from portal.database import now_utc
from portal.notifications.models import OutboxMessage
from portal.webhooks import service
from portal.webhooks.delivery import verify
from portal.webhooks.models import WebhookDelivery
from tests.factories import AskFactory, UserFactory

SECRET = "another-secret-for-the-sender"


def _message(db):
    # The sender detaches the messages it delivers (it runs in this app context): read anew.
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook"))


def test_send_outbox_retries_after_a_500_and_delivers_later(app, db, runner, receiver):
    admin = UserFactory(role="admin")
    service.create_endpoint(
        admin, {"url": receiver.url, "events": ["ask.completed"], "secret": SECRET}
    )
    audit.record(admin, "ask.completed", AskFactory())
    db.session.commit()
    receiver.statuses = [500]

    first = runner.invoke(args=["send-outbox"])
    assert first.exit_code == 0, first.output
    message = _message(db)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at > now_utc()  # backing off
    assert "500" in message.last_error

    # Nothing is due during the back-off.
    runner.invoke(args=["send-outbox"])
    assert len(receiver.calls) == 1

    message.next_attempt_at = now_utc() - dt.timedelta(seconds=1)
    db.session.commit()
    second = runner.invoke(args=["send-outbox"])
    assert second.exit_code == 0, second.output
    message = _message(db)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(receiver.calls) == 2
    for call in receiver.calls:
        assert verify(SECRET, call["headers"]["X-Portal-Signature"], call["body"])
    results = db.session.execute(
        sa.select(WebhookDelivery.status_code, WebhookDelivery.succeeded).order_by(
            WebhookDelivery.id
        )
    ).all()
    assert [tuple(r) for r in results] == [(500, False), (200, True)]


def test_admin_page_lists_deliveries_with_their_answers(app, db, client, auth, receiver):
    admin = UserFactory(role="admin", email="boss@example.com")
    endpoint = service.create_endpoint(
        admin, {"url": receiver.url, "events": ["ask.placed"], "secret": SECRET}
    )
    audit.record(admin, "ask.placed", AskFactory())
    db.session.commit()
    receiver.statuses = [503]
    app.test_cli_runner().invoke(args=["send-outbox"])
    auth.login("boss@example.com")
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "ask.placed" in page and "503" in page and "received" in page
    assert SECRET not in page  # shown only when asked, by the audited reveal action
    assert SECRET in client.post(f"/admin/webhooks/{endpoint.id}/secret/reveal").get_data(
        as_text=True
    )
    listing = client.get("/admin/webhooks/").get_data(as_text=True)
    assert receiver.url in listing
