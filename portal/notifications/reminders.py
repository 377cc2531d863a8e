"""Reminders: each area registers a function that writes its due reminders to the outbox.

`flask --app portal send-reminders` runs every registered reminder with the current time. A
reminder function `fn(now) -> int` returns how many messages it wrote, and writes each reminder
at most once per thing and day by giving the message a unique `dedupe_key`
(see `already_sent`, or `sent_keys` to check many in one query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.database import chunks, now_utc
from portal.extensions import db
from portal.notifications.models import OutboxMessage

Reminder = Callable[[dt.datetime], int]

REMINDERS: dict[str, Reminder] = {}


def reminder(name: str) -> Callable[[Reminder], Reminder]:
    """Register `fn` to be run by `send-reminders` under `name`."""

    def register(fn: Reminder) -> Reminder:
        REMINDERS[name] = fn
        return fn

    return register


def already_sent(dedupe_key: str) -> bool:
    """True when a message with this key is in the outbox (in any state)."""
    return (
        db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        is not None
    )


def sent_keys(dedupe_keys: Iterable[str]) -> set[str]:
    """Which of these keys are in the outbox already (in any state): one query per thousand."""
    keys = sorted(set(dedupe_keys))
    found: set[str] = set()
    for some in chunks(keys):
        found.update(
            db.session.scalars(
                sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(some))
            )
        )
    return found


def run_reminders(now: dt.datetime) -> dict[str, int]:
    """Run every registered reminder with `now`; returns {name: messages written}."""
    return {name: fn(now) for name, fn in sorted(REMINDERS.items())}


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Write due reminders (asks about to expire, stale invitations, overdue follow-ups) to the
    outbox, each at most once per thing and day; `send-outbox` delivers them."""
    try:
        written = run_reminders(now_utc())
        db.session.commit()
    except sa.exc.IntegrityError:  # a second run at the same moment wrote the same keys first
        db.session.rollback()
        click.echo("Another send-reminders run wrote these reminders first; nothing added.")
        return
    for name, count in written.items():
        click.echo(f"{name}: {count} reminder{'' if count == 1 else 's'}")
    click.echo(f"Wrote {sum(written.values())} reminders.")
