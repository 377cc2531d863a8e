"""The sender against a real SMTP server in the test process: both parts and attachments,
retries with backoff when the server goes away, refused recipients, timeouts, concurrent
senders, console mode, the loop's clean stop, and the outbox admin pages."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.database import now_utc
from portal.errors import ValidationFailed
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import claim_due, send_due
from portal.notifications.transport import TRANSPORTS, PermanentDeliveryError
from portal.notifications.transports import build_email
from tests.factories import UserFactory
from tests.notifications.servers import SMTPServer

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def mail_app(app_factory, smtp):
    app = app_factory(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        SMTP_TIMEOUT=2,
        MAIL_FROM="Reference Team <refs@vendor.example>",
    )
    with app.app_context():
        yield app
        _db.session.rollback()


def queue(n=1, **values) -> list[int]:
    ids = []
    for i in range(n):
        message = OutboxMessage(
            kind="email",
            template="test",
            recipient=values.get("recipient", f"person{i}@customer.example"),
            subject=values.get("subject", f"Message {i}"),
            body_text=values.get("body_text", f"Hello {i}, plain text."),
            body_html=values.get("body_html", f"<p>Hello {i}, <strong>HTML</strong>.</p>"),
            attachments=values.get("attachments"),
        )
        _db.session.add(message)
        _db.session.flush()
        ids.append(message.id)
    _db.session.commit()
    return ids


def row(message_id: int) -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, message_id)


def test_delivers_both_parts_and_attachments_keeping_the_calendar_method(mail_app, smtp):
    [message_id] = queue(
        attachments=[
            {
                "filename": "invite.ics",
                "content_type": "text/calendar; method=REQUEST",
                "content": ICS,
            },
            {"filename": "brief.pdf", "content_type": "application/pdf", "content": "%PDF-1.4"},
        ]
    )
    counts = send_due()
    assert (counts.sent, counts.retrying, counts.failed) == (1, 0, 0)
    [(mail_from, rcpt, _)] = smtp.handler.messages
    assert mail_from == "refs@vendor.example"
    assert rcpt == ["person0@customer.example"]
    [mail] = smtp.handler.parsed()
    assert mail["Subject"] == "Message 0"
    assert mail["From"] == "Reference Team <refs@vendor.example>"
    assert mail["X-Portal-Message"] == str(message_id)
    assert mail.get_content_type() == "multipart/mixed"
    assert mail.get_body(("plain",)).get_content().strip() == "Hello 0, plain text."
    assert "<strong>HTML</strong>" in mail.get_body(("html",)).get_content()
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    invite = attachments["invite.ics"]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in invite.get_content()
    assert attachments["brief.pdf"].get_content() == b"%PDF-1.4"
    sent = row(message_id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    assert sent.claimed_until is None and sent.claimed_by is None
    assert send_due().total == 0  # nothing twice


def test_server_stopped_mid_run_retries_with_backoff_then_delivers(mail_app, smtp, monkeypatch):
    ids = queue(4)
    real = TRANSPORTS["email"]
    delivered = []

    def stop_after_first(message):
        result = real(message)
        delivered.append(message.id)
        if len(delivered) == 1:
            smtp.stop()  # the mail server goes away in the middle of the run
        return result

    monkeypatch.setitem(TRANSPORTS, "email", stop_after_first)
    start = now_utc()
    counts = send_due(start, batch=2)
    assert (counts.sent, counts.retrying, counts.failed) == (1, 3, 0)
    waiting = [row(i) for i in ids[1:]]
    for message in waiting:
        assert message.status == "queued" and message.attempts == 1
        assert "unreachable" in message.last_error
        assert message.next_attempt_at == start + dt.timedelta(seconds=60)

    # Not due yet; then due, but the server is still down: the wait doubles.
    assert send_due(start + dt.timedelta(seconds=30)).total == 0
    counts = send_due(start + dt.timedelta(seconds=61))
    assert counts.retrying == 3
    assert row(ids[1]).next_attempt_at == start + dt.timedelta(seconds=61 + 120)

    smtp.start()  # back
    assert send_due(start + dt.timedelta(seconds=120)).total == 0
    counts = send_due(start + dt.timedelta(seconds=200))
    assert counts.sent == 3
    assert len(smtp.handler.messages) == 4
    assert {row(i).status for i in ids} == {"sent"}
    assert row(ids[1]).attempts == 3


def test_gives_up_after_the_attempt_limit_with_the_reason(app_factory):
    port = SMTPServer().port  # nobody listens there
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port, OUTBOX_MAX_ATTEMPTS=3)
    with app.app_context():
        [message_id] = queue()
        at = now_utc()
        for _ in range(3):
            send_due(at)
            at += dt.timedelta(hours=7)
        message = row(message_id)
        assert message.status == "failed" and message.attempts == 3
        assert message.last_error.startswith("Gave up after 3 attempts.")
        assert "unreachable" in message.last_error
        assert send_due(at + dt.timedelta(days=1)).total == 0


def test_refused_recipient_fails_at_once_with_the_reason(mail_app, smtp):
    smtp.handler.refuse.add("gone@customer.example")
    [bad] = queue(recipient="gone@customer.example")
    [good] = queue(recipient="here@customer.example")
    counts = send_due()
    assert (counts.sent, counts.failed) == (1, 1)
    failed = row(bad)
    assert failed.status == "failed" and failed.attempts == 1
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert row(good).status == "sent"


def test_bad_address_fails_without_touching_the_server(mail_app, smtp):
    [message_id] = queue(recipient="not an address")
    assert send_due().failed == 1
    assert "Not an e-mail address" in row(message_id).last_error
    assert smtp.handler.messages == []


def test_timeout_is_retried_later(app_factory, smtp):
    smtp.handler.delay = 2
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_TIMEOUT=0.3)
    with app.app_context():
        [message_id] = queue()
        started = time.monotonic()
        counts = send_due()
        assert time.monotonic() - started < 2
        assert counts.retrying == 1
        message = row(message_id)
        assert message.status == "queued" and "timed out" in message.last_error


def test_line_breaks_in_subject_or_recipient_are_refused_when_queued(mail_app):
    with pytest.raises(ValidationFailed) as error:
        OutboxMessage(kind="email", template="t", recipient="a@example.com",
                      subject="Hello\r\nBcc: victim@example.com", body_text="x")  # fmt: skip
    assert error.value.fields == {"subject": "Must be on one line (no line breaks)."}
    with pytest.raises(ValidationFailed) as error:
        OutboxMessage(recipient="a@example.com\nBcc: victim@example.com")
    assert "recipient" in error.value.fields
    # Should a value get past the outbox, the MIME builder refuses it too.
    sneaky = SimpleNamespace(id=1, recipient="a@example.com", subject="Hi\r\nBcc: v@example.com",
                             body_text="x", body_html=None, attachments=None)  # fmt: skip
    with pytest.raises(PermanentDeliveryError):
        build_email(sneaky, "refs@vendor.example")


def test_console_delivery_without_a_host_prints_the_message(app_factory, capsys):
    app = app_factory(SMTP_HOST=None)
    with app.app_context():
        [message_id] = queue(subject="Printed, not sent")
        assert send_due().sent == 1
        assert row(message_id).status == "sent"
    out = capsys.readouterr().out
    assert "Subject: Printed, not sent" in out and "Hello 0, plain text." in out


def test_send_outbox_command_prints_counts(app_factory, smtp):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    with app.app_context():
        queue(2)
    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, will retry 0, failed 0." in result.output


def test_a_claimed_message_is_not_claimed_again_until_the_claim_runs_out(mail_app):
    ids = queue(3)
    now = now_utc()
    assert sorted(claim_due(now, "sender-a", 10)) == ids
    assert claim_due(now, "sender-b", 10) == []
    later = now + dt.timedelta(seconds=mail_app.config["OUTBOX_CLAIM_SECONDS"] + 1)
    assert sorted(claim_due(later, "sender-b", 10)) == ids  # sender-a crashed: taken over
    assert {row(i).claimed_by for i in ids} == {"sender-b"}


def test_two_concurrent_senders_deliver_each_message_exactly_once(mail_app, smtp):
    """Separate threads, each with its own session and connection (PostgreSQL: SKIP LOCKED;
    SQLite: conditional updates)."""
    ids = queue(30)
    start = threading.Barrier(2)
    results, errors = {}, []

    def sender(name):
        try:
            with mail_app.app_context():
                start.wait()
                results[name] = send_due(worker=name, batch=3)
                _db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(f"sender-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    delivered = [mail["X-Portal-Message"] for mail in smtp.handler.parsed()]
    assert sorted(delivered, key=int) == [str(i) for i in ids]  # each exactly once
    assert results["sender-0"].sent + results["sender-1"].sent == 30
    assert {row(i).status for i in ids} == {"sent"}


def test_a_web_request_only_queues_mail_even_when_the_server_is_unreachable(app_factory):
    port = SMTPServer().port
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=30)
    with app.app_context():
        UserFactory(email="forgetful@vendor.example", role="requester")
        _db.session.commit()
    started = time.monotonic()
    response = app.test_client().post("/auth/forgot", data={"email": "forgetful@vendor.example"})
    assert response.status_code in (200, 302)
    assert time.monotonic() - started < 5
    with app.app_context():
        queued = _db.session.scalars(sa.select(OutboxMessage)).all()
        assert [m.status for m in queued] == ["queued"]
        assert queued[0].attempts == 0


def test_loop_sends_and_stops_cleanly_on_sigterm(app, database_url, tmp_path):
    with app.app_context():
        [message_id] = queue(subject="From the loop")
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "loop-test-secret",
        "PORTAL_SMTP_HOST": "",
        "PORTAL_CONSOLE_MAIL_DIR": str(tmp_path / "console-mail"),
        "PYTHONUNBUFFERED": "1",
    }
    flask = Path(sys.executable).parent / "flask"
    process = subprocess.Popen(  # noqa: S603
        [str(flask), "--app", "portal", "send-outbox", "--loop", "--interval", "0.2"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        with app.app_context():
            while row(message_id).status != "sent" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert row(message_id).status == "sent"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Subject: From the loop" in output
    assert "Stopping after the current message (SIGTERM)." in output
    assert "Stopped. In all: Sent 1" in output


# --- The admin page --------------------------------------------------------------------------


@pytest.fixture
def failed_and_sent(db):
    manager = UserFactory(email="mgr@vendor.example", role="manager")
    failed = OutboxMessage(kind="email", template="t", recipient="gone@customer.example",
                           subject="Bounced one", body_text="x", status="failed", attempts=8,
                           last_error="550 No such user here")  # fmt: skip
    sent = OutboxMessage(kind="email", template="t", recipient="ok@customer.example",
                         subject="Delivered one", body_text="x", status="sent", attempts=1,
                         sent_at=now_utc())  # fmt: skip
    db.session.add_all([sent, failed])
    db.session.commit()
    return manager, failed.id, sent.id


def test_admin_lists_failed_first_with_the_error(client, auth, failed_and_sent):
    manager, failed_id, _ = failed_and_sent
    auth.login(manager.email)
    body = client.get("/admin/outbox/").get_data(as_text=True)
    assert body.index("Bounced one") < body.index("Delivered one")
    assert "550 No such user here" in body
    assert "Retry all 1 failed" in body
    detail = client.get(f"/admin/outbox/{failed_id}").get_data(as_text=True)
    assert "Failed after 8 attempts." in detail and "Send again" in detail
    only_failed = client.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert "Delivered one" not in only_failed


def test_retry_a_failed_message_is_audited_and_queued_again(client, auth, db, failed_and_sent):
    manager, failed_id, sent_id = failed_and_sent
    auth.login(manager.email)
    response = client.post(f"/admin/outbox/{failed_id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    message = db.session.get(OutboxMessage, failed_id)
    assert (message.status, message.attempts) == ("queued", 0)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "outbox.retried").order_by(AuditEvent.id)
    )
    assert event.entity_id == failed_id and event.actor_id == manager.id
    assert event.data == {"attempts": 8, "last_error": "550 No such user here"}
    # A sent message cannot be "retried".
    client.post(f"/admin/outbox/{sent_id}/retry")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent_id).status == "sent"


def test_retry_all_failed(client, auth, db, failed_and_sent):
    manager, failed_id, _ = failed_and_sent
    auth.login(manager.email)
    response = client.post("/admin/outbox/retry-failed", follow_redirects=True)
    assert "Queued 1 failed message again." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed_id).status == "queued"


def test_signs_in_with_the_configured_user(app_factory):
    server = SMTPServer(credentials=("portal", "s3cret"))
    server.start()
    try:
        app = app_factory(
            SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_USER="portal", SMTP_PASSWORD="s3cret"
        )
        with app.app_context():
            [sent_id] = queue()
            assert send_due().sent == 1
            assert row(sent_id).status == "sent"
    finally:
        server.stop()
    assert server.handler.authenticated == [True]
