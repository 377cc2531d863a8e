"""How the sender hands an outbox message to its channel: one transport per message kind.

A transport is a function `deliver(message: OutboxMessage) -> str | None` that delivers the
message or raises. It returns an optional note for the record (e.g. the server's reply).
`TransientDeliveryError` means "try again later" (the sender backs off and retries up to its
limit); `PermanentDeliveryError` means retrying cannot help (a refused recipient, a bad URL) and
the message is marked failed at once. Any other exception counts as transient.

Transports register themselves with `@transport("kind")` in a module that the app imports at
start-up (see `portal.notifications.transports` and `portal.webhooks.delivery`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.notifications.models import OutboxMessage

Deliver = Callable[["OutboxMessage"], "str | None"]

TRANSPORTS: dict[str, Deliver] = {}


class DeliveryError(Exception):
    """A message could not be delivered; the message text is kept as the reason."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: the server was unreachable, busy, or timed out."""


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: the recipient or the address is refused."""


def transport(kind: str) -> Callable[[Deliver], Deliver]:
    """Register `deliver` as the transport of outbox messages of `kind`."""

    def register(deliver: Deliver) -> Deliver:
        TRANSPORTS[kind] = deliver
        return deliver

    return register
