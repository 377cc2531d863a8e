"""Time the sender: N queued e-mails delivered to a local SMTP server (aiosmtpd), by one sender
and by two concurrent senders, and check every message arrived exactly once.

    .venv/bin/python bench/outbox_send.py [--messages 1000] [--database-url URL]

Without --database-url a fresh SQLite file is used; for PostgreSQL pass an empty database's URL.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-not-for-production")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.notifications.models import OutboxMessage  # noqa: E402
from portal.notifications.sender import send_due  # noqa: E402
from tests.notifications.servers import SMTPServer  # noqa: E402


def queue(count: int) -> None:
    db.session.execute(
        sa.insert(OutboxMessage),
        [
            {
                "kind": "email",
                "template": "bench",
                "recipient": f"person{i}@customer.example",
                "subject": f"Message {i}",
                "body_text": "Hello, plain text. " * 20,
                "body_html": "<p>Hello, <strong>HTML</strong>.</p>" * 20,
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def run(app, senders: int, count: int, smtp: SMTPServer) -> float:
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
        queue(count)
    smtp.handler.messages.clear()
    barrier = threading.Barrier(senders)

    def work(name):
        with app.app_context():
            barrier.wait()
            send_due(worker=name, batch=20)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"s{i}",)) for i in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ids = [mail["X-Portal-Message"] for mail in smtp.handler.parsed()]
    assert len(ids) == count and len(set(ids)) == count, "a message was lost or sent twice"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    smtp = SMTPServer()
    smtp.start()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port}
        )
        with app.app_context():
            upgrade()
        dialect = url.split(":", 1)[0]
        for senders in (1, 2):
            seconds = run(app, senders, args.messages, smtp)
            print(
                f"{dialect}: {args.messages} e-mails, {senders} sender(s): {seconds:.2f} s, "
                f"{args.messages / seconds:.0f} messages/s, each delivered exactly once"
            )
        with app.app_context():
            db.engine.dispose()
    smtp.stop()


if __name__ == "__main__":
    main()
