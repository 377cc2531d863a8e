"""E-mail over TLS to a real SMTP server (aiosmtpd) whose certificate comes from a CA made for
the test: `PORTAL_SMTP_TLS=ssl` (TLS from the first byte) and `starttls`. The certificate is
verified, against `PORTAL_SMTP_CA_FILE` here (never by switching verification off), and
nothing goes in plain text when TLS can't be had."""

from __future__ import annotations

import pytest

from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from tests.notifications.servers import SMTPServer, certificates, server_tls_context

MODES = ("ssl", "starttls")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """(CA certificate, server certificate, server key) paths."""
    return certificates(tmp_path_factory.mktemp("pki"))


def tls_server(mode: str, pki) -> SMTPServer:
    """A server speaking TLS from the first byte (`ssl`), or one that offers STARTTLS and
    accepts no mail before it (`starttls`)."""
    context = server_tls_context(pki[1], pki[2])
    if mode == "ssl":
        return SMTPServer(ssl_context=context)
    return SMTPServer(tls_context=context, require_starttls=True)


@pytest.fixture
def serve():
    """Start a server for the test and stop it after."""
    started = []

    def start(server: SMTPServer) -> SMTPServer:
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def send_one(app_factory, server: SMTPServer, **config) -> OutboxMessage:
    """Queue one e-mail, run the sender once against `server`; return the message after."""
    app = app_factory(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_TIMEOUT=5,
        MAIL_FROM="Reference Team <refs@vendor.example>",
        **config,
    )
    with app.app_context():
        message = OutboxMessage(
            kind="email",
            template="test",
            recipient="ada@customer.example",
            subject="Over TLS",
            body_text="Hello, privately.",
        )
        _db.session.add(message)
        _db.session.commit()
        send_due()
        _db.session.expire_all()
        message = _db.session.get(OutboxMessage, message.id)
        _db.session.expunge(message)
        return message


@pytest.mark.parametrize("mode", MODES)
def test_delivers_over_tls_to_a_server_the_ca_file_vouches_for(app_factory, serve, pki, mode):
    server = serve(tls_server(mode, pki))
    message = send_one(app_factory, server, SMTP_TLS=mode, SMTP_CA_FILE=str(pki[0]))
    assert message.status == "sent", message.last_error
    [mail] = server.handler.parsed()
    assert mail["Subject"] == "Over TLS"
    assert server.handler.tls[0] in ("TLSv1.2", "TLSv1.3")


@pytest.mark.parametrize("mode", MODES)
def test_a_certificate_no_trusted_ca_signed_is_refused(app_factory, serve, pki, mode):
    """Without the CA file the system's CAs apply, and they never signed the test's CA."""
    server = serve(tls_server(mode, pki))
    message = send_one(app_factory, server, SMTP_TLS=mode)
    assert message.status == "queued" and message.sent_at is None  # retried later
    assert "certificate is not trusted" in message.last_error
    assert "PORTAL_SMTP_CA_FILE" in message.last_error
    assert server.handler.messages == []


def test_a_server_without_starttls_gets_nothing_in_plain_text(app_factory, serve, pki):
    server = serve(SMTPServer())  # plain SMTP: no STARTTLS on offer
    message = send_one(app_factory, server, SMTP_TLS="starttls", SMTP_CA_FILE=str(pki[0]))
    assert message.status == "queued" and message.sent_at is None
    assert "does not offer STARTTLS" in message.last_error
    assert "nothing was sent in plain text" in message.last_error
    assert server.handler.messages == []


def test_a_mistyped_tls_mode_never_means_plain_text(app_factory, serve):
    server = serve(SMTPServer())
    message = send_one(app_factory, server, SMTP_TLS="tls")
    assert message.status == "queued"
    assert "PORTAL_SMTP_TLS must be one of none, starttls, ssl, not 'tls'" in message.last_error
    assert server.handler.messages == []


def test_a_ca_file_that_cannot_be_read_says_so(app_factory, serve, pki, tmp_path):
    server = serve(tls_server("ssl", pki))
    missing = tmp_path / "no-such-ca.pem"
    message = send_one(app_factory, server, SMTP_TLS="ssl", SMTP_CA_FILE=str(missing))
    assert message.status == "queued"
    assert "PORTAL_SMTP_CA_FILE can't be used" in message.last_error
    assert server.handler.messages == []


def test_the_password_never_travels_in_plain_text_to_another_machine(app_factory):
    """With no TLS, signing in to a relay elsewhere is refused before connecting; a relay on
    this machine (127.0.0.1, as in test_delivery) may take it."""
    app = app_factory(
        SMTP_HOST="mail.example.com",
        SMTP_PORT=2525,
        SMTP_TIMEOUT=5,
        SMTP_TLS="none",
        SMTP_USER="portal",
        SMTP_PASSWORD="s3cret",
    )
    with app.app_context():
        message = OutboxMessage(
            kind="email", template="test", recipient="ada@customer.example",
            subject="Hello", body_text="Hello.",
        )  # fmt: skip
        _db.session.add(message)
        _db.session.commit()
        send_due()
        _db.session.expire_all()
        message = _db.session.get(OutboxMessage, message.id)
        assert message.status == "queued" and message.sent_at is None
        assert "Refusing to send the SMTP password unencrypted to mail.example.com" in (
            message.last_error
        )
