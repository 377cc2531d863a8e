"""How the sender hands an outbox message to its channel: one transport per message kind.

A transport is a function `deliver(message: OutboxMessage) -> str | None` that delivers the
message or raises. It returns an optional note for the record (e.g. the server's reply).
`TransientDeliveryError` means "try again later" (the sender backs off and retries up to its
limit); `PermanentDeliveryError` means retrying cannot help (a refused recipient, a bad URL) and
the message is marked failed at once. Any other exception counts as transient.

A module installs its transports with `transport("kind")(deliver)` in its `register()`, which
the factory's `register_listeners` calls (see `portal.notifications.transports` and
`portal.webhooks.delivery`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from portal import outbound

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


# -- posting to an HTTP endpoint (team chat, webhooks) ------------------------------------------

RETRY_STATUSES = frozenset({408, 429})  # client errors that are worth trying again


def post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, str]:
    """POST `body` to an http(s) `url` through `portal.outbound` (public addresses only, the
    checked address pinned, no redirects followed); return the status and a short printable
    snippet of the answer. A refused address raises `PermanentDeliveryError`; an unreachable
    endpoint or a timeout `TransientDeliveryError`."""
    try:
        answer = outbound.post(url, body, headers, timeout=timeout)
    except outbound.Refused as error:
        raise PermanentDeliveryError(str(error)) from error
    except outbound.Unreachable as error:
        raise TransientDeliveryError(str(error)) from error
    return answer.status, answer.snippet


def refusal(status: int, reason: str) -> DeliveryError:
    """The error for an answer that is not a success: retried for 5xx, 408 and 429 only."""
    if status >= 500 or status in RETRY_STATUSES:
        return TransientDeliveryError(reason)
    return PermanentDeliveryError(reason)
