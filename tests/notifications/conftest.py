"""A real SMTP server (aiosmtpd) in the test process, for the delivery tests."""

import pytest

from tests.notifications.servers import SMTPServer


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()
