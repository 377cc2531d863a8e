"""Helpers for the worker tests: queue outbox messages, start a real worker process, wait."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.operations.models import Worker

ROOT = Path(__file__).resolve().parents[2]


def queue_messages(n: int, prefix: str = "Message") -> list[int]:
    """`n` e-mails in the outbox, due now; returns their ids (in an app context)."""
    messages = [
        OutboxMessage(
            kind="email",
            template="test",
            recipient=f"person{i}@customer.example",
            subject=f"{prefix} {i:03d}",
            body_text=f"Hello {i}.",
        )
        for i in range(n)
    ]
    _db.session.add_all(messages)
    _db.session.commit()
    return [message.id for message in messages]


def wait_for(predicate, timeout: float = 30, every: float = 0.05):
    """Poll `predicate` until it returns something true; fail after `timeout` seconds (long
    enough for a worker process to start on a busy machine)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s")
        time.sleep(every)


def worker_row(pid: int) -> Worker | None:
    _db.session.rollback()  # a fresh snapshot each time
    return _db.session.scalar(sa.select(Worker).where(Worker.pid == pid))


@pytest.fixture
def start_worker(database_url, tmp_path):
    """Start `flask --app <spec> worker ...` on the test database; killed at the end if alive.
    Console mail is kept in the test's folder, never the checkout's instance/mail."""
    processes: list[subprocess.Popen] = []

    def start(*args: str, app: str = "portal", **env: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": "worker-test-secret",
            "PORTAL_SMTP_HOST": "",
            "PORTAL_CONSOLE_MAIL_DIR": str(tmp_path / "console-mail"),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        flask = Path(sys.executable).parent / "flask"
        process = subprocess.Popen(  # noqa: S603
            [str(flask), "--app", app, "worker", *args],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()
