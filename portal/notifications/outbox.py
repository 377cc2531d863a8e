"""What the program team may do with outbox messages: look, and send failed ones again."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit import service as audit
from portal.auth.links import hide_link_refs
from portal.auth.permissions import demand
from portal.database import now_utc
from portal.errors import DomainError, get_or_not_found
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.vocab import OUTBOX_STATUSES

# Failed first (they need a person), then what is waiting, then what went out.
STATUS_ORDER = sa.case({"failed": 0, "queued": 1, "sent": 2}, value=OutboxMessage.status)


def _check(actor) -> None:
    demand(actor, "program.manage", "Only the program team may manage outgoing messages.")


def outbox_query(actor, status: str | None = None):
    _check(actor)
    query = sa.select(OutboxMessage).order_by(
        STATUS_ORDER, OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc()
    )
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    return query


def status_counts(actor) -> dict[str, int]:
    _check(actor)
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


def get_message(actor, message_id: int) -> OutboxMessage:
    _check(actor)
    return get_or_not_found(OutboxMessage, message_id, "No such message.")


def view_message(actor, message_id: int) -> tuple[OutboxMessage, str]:
    """A message and its text as the program team may read it (every live link hidden);
    each look is audited, as the text can hold personal data."""
    message = get_message(actor, message_id)
    audit.record(actor, "outbox.message_viewed", message, {"template": message.template})
    return message, hide_link_refs(message.body_text)


def _requeue(actor, message: OutboxMessage) -> None:
    previous = {"attempts": message.attempts, "last_error": message.last_error}
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = now_utc()
    message.claimed_until = None
    message.claimed_by = None
    audit.record(actor, "outbox.retried", message, previous)


def retry_message(actor, message: OutboxMessage) -> OutboxMessage:
    """Queue a failed message again, with a fresh count of attempts."""
    _check(actor)
    if message.status != "failed":
        raise DomainError("Only a failed message can be sent again.")
    _requeue(actor, message)
    return message


def retry_all_failed(actor) -> int:
    """Queue every failed message again; returns how many."""
    _check(actor)
    failed = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == "failed").with_for_update()
    ).all()
    for message in failed:
        _requeue(actor, message)
    return len(failed)
