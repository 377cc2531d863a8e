"""Reminders: each area registers a function that writes its due reminders to the outbox.

`flask --app portal send-reminders` runs every registered reminder with the current time. A
reminder function `fn(now) -> int` returns how many messages it wrote, and writes each reminder
at most once per thing and day by giving the message a unique `dedupe_key`
(see `already_sent`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

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
