"""Domain events: every audited state change is also published to subscribers.

Services already record each state change with `portal.audit.service.record(actor, action,
entity, data)`; that call publishes the same facts as an `Event` here. Subscribers (webhooks,
team chat, in-app notifications) register for actions with `subscribe("ask.placed", ...)(fn)`,
called from their module's `register()` by the factory's `register_listeners`, and
run inside the transaction of the change, so what they write (outbox messages, notifications)
commits together with it or not at all. A subscriber must not commit, and must only add rows.

Action names are the audit actions, e.g. `ask.placed`, `ask.accepted`, `ask.declined`,
`ask.scheduled`, `ask.withdrawn`, `ask.expired`, `ask.completed`, `request.submitted`,
`request.fulfilled`, `claim.created`, `claim.approved`, `claim.declined`,
`advocate.status_changed`, `opportunity.outcome_changed`, `account.referenceability_set`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    action: str
    entity: str  # table name, e.g. "asks"
    entity_id: int
    obj: Any  # the model instance
    actor: Any  # the user who caused it, or None for the system
    data: dict = field(default_factory=dict)


Subscriber = Callable[[Event], None]

SUBSCRIBERS: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(*actions: str) -> Callable[[Subscriber], Subscriber]:
    """Register `fn(event)` for each of `actions` (once, however often the module loads)."""

    def register(fn: Subscriber) -> Subscriber:
        for action in actions:
            known = {(f.__module__, f.__qualname__) for f in SUBSCRIBERS[action]}
            if (fn.__module__, fn.__qualname__) not in known:
                SUBSCRIBERS[action].append(fn)
        return fn

    return register


def publish(event: Event) -> None:
    """Run the subscribers of `event.action` in order."""
    for subscriber in SUBSCRIBERS.get(event.action, ()):
        subscriber(event)
