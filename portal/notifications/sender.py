"""The sender: claims due outbox messages, hands each to its transport, records the outcome.

`flask --app portal send-outbox` sends what is due and exits; `--loop` keeps going for a service
manager and stops cleanly on SIGTERM or SIGINT. Web requests only ever write to the outbox.

Claiming: a message is due when it is queued, its `next_attempt_at` has come and nobody holds a
live claim on it. A sender claims a batch and commits the claim (`claimed_until`, `claimed_by`)
before delivering anything, so two senders never deliver the same message:
- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks rows no other sender is claiming right
  now, then the claim is written in the same transaction;
- SQLite: one conditional `UPDATE ... WHERE id = ? AND <still due and unclaimed>` per row;
  SQLite serialises writers and re-reads the row, so only one sender's update changes it
  (rowcount 1), the other's changes nothing.
The outcome is written only while the claim is still this sender's (`claimed_by`), and a
claim lasts `OUTBOX_CLAIM_SECONDS`, far longer than any transport's timeout, so a crashed
sender's messages are picked up again once its claims run out.

Failures: a `PermanentDeliveryError` marks the message failed at once with the reason; any other
error retries after `OUTBOX_RETRY_SECONDS * 2**(attempts - 1)` (at most
`OUTBOX_RETRY_MAX_SECONDS`) until `OUTBOX_MAX_ATTEMPTS`, then the message is failed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import uuid
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.database import now_utc
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.transport import TRANSPORTS, PermanentDeliveryError

ERROR_MAX = 2000


@dataclass
class Counts:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.released += other.released
        return self

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed

    def __str__(self) -> str:
        return f"Sent {self.sent}, will retry {self.retrying}, failed {self.failed}."


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    config = current_app.config
    seconds = config["OUTBOX_RETRY_SECONDS"] * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def _due(now: dt.datetime):
    return sa.and_(
        OutboxMessage.status == "queued",
        OutboxMessage.next_attempt_at <= now,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim_due(now: dt.datetime, worker: str, limit: int) -> list[int]:
    """Claim up to `limit` due messages for `worker` and commit the claim; returns their ids."""
    lease = now + dt.timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    candidates = (
        sa.select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    claim = sa.update(OutboxMessage).values(claimed_until=lease, claimed_by=worker)
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
            if ids:
                db.session.execute(
                    claim.where(OutboxMessage.id.in_(ids)),
                    execution_options={"synchronize_session": False},
                )
        else:
            ids = []
            for message_id in list(db.session.scalars(candidates)):
                result = db.session.execute(
                    claim.where(OutboxMessage.id == message_id, _due(now)),
                    execution_options={"synchronize_session": False},
                )
                if result.rowcount == 1:
                    ids.append(message_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ids


def _finish(message_id: int, worker: str, values: dict) -> bool:
    """Write the outcome if the claim is still ours; True when it was written."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(claimed_until=None, claimed_by=None, **values),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount == 1


def release(message_ids: list[int], worker: str) -> int:
    """Give back claims this sender will not deliver (it is stopping)."""
    if not message_ids:
        return 0
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.claimed_by == worker)
        .values(claimed_until=None, claimed_by=None),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount


def deliver_one(message_id: int, worker: str, now: dt.datetime | None = None) -> str:
    """Deliver one claimed message; returns "sent", "retrying", "failed" or "lost" (the claim
    ran out and another sender took the message over)."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.claimed_by != worker:
        db.session.rollback()
        return "lost"
    # Deliver outside any transaction: no lock or open transaction while the network is slow.
    db.session.expunge(message)
    db.session.rollback()
    attempts = message.attempts + 1
    deliver = TRANSPORTS.get(message.kind)
    try:
        if deliver is None:
            raise LookupError(f"No transport for {message.kind} messages in this installation.")
        note = deliver(message)
    except PermanentDeliveryError as error:
        outcome, values = "failed", {"status": "failed", "last_error": _reason(error)}
    except Exception as error:  # anything else is worth another try
        current_app.logger.warning("Outbox message %s: %s", message_id, _reason(error))
        at = now or now_utc()
        if attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            reason = f"Gave up after {attempts} attempts. Last error: {_reason(error)}"
            outcome, values = "failed", {"status": "failed", "last_error": reason[:ERROR_MAX]}
        else:
            outcome = "retrying"
            values = {"last_error": _reason(error), "next_attempt_at": at + backoff(attempts)}
    else:
        outcome = "sent"
        values = {"status": "sent", "sent_at": now or now_utc(), "last_error": None}
        if note:  # the transport's word on it (a server reply), kept with the message
            values["meta"] = {**(message.meta or {}), "delivery_note": str(note)[:500]}
    if not _finish(message_id, worker, {"attempts": attempts, **values}):
        return "lost"
    return outcome


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:ERROR_MAX]


def send_due(
    now: dt.datetime | None = None,
    *,
    worker: str | None = None,
    batch: int | None = None,
    stop: threading.Event | None = None,
) -> Counts:
    """Deliver every message that is due, batch after batch, until none is left (or `stop`)."""
    worker = worker or new_worker_id()
    batch = batch or current_app.config["OUTBOX_BATCH"]
    counts = Counts()
    while not (stop and stop.is_set()):
        ids = claim_due(now or now_utc(), worker, batch)
        if not ids:
            break
        for index, message_id in enumerate(ids):
            if stop and stop.is_set():
                counts.released += release(ids[index:], worker)
                break
            outcome = deliver_one(message_id, worker, now)
            if outcome != "lost":
                setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def run_loop(interval: float, stop: threading.Event, echo=click.echo) -> Counts:
    """Send what is due every `interval` seconds until `stop` is set."""
    worker = new_worker_id()
    total = Counts()
    while not stop.is_set():
        try:
            counts = send_due(worker=worker, stop=stop)
        except Exception:  # the database is away: log, wait, try again
            db.session.rollback()
            current_app.logger.exception("send-outbox: delivery round failed")
        else:
            total += counts
            if counts.total:
                echo(str(counts))
            if counts.total or counts.released:
                continue
        finally:
            db.session.remove()
        stop.wait(interval)
    return total


@click.command("send-outbox")
@click.option("--loop", is_flag=True, help="Keep sending until SIGTERM or SIGINT.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds between rounds with --loop.",
)
@with_appcontext
def send_outbox_command(loop, interval):
    """Deliver due outbox messages (e-mail, team chat, webhooks) and print counts."""
    if not loop:
        click.echo(str(send_due()))
        return
    stop = threading.Event()

    def on_signal(signum, _frame):
        click.echo(f"Stopping after the current message ({signal.Signals(signum).name}).")
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Sending every {interval:g} s; stop with SIGTERM or Ctrl-C.")
    try:
        total = run_loop(interval, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"Stopped. In all: {total}")
