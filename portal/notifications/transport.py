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

import urllib.error
import urllib.request
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


# -- posting to an HTTP endpoint (team chat, webhooks) ------------------------------------------

RETRY_STATUSES = frozenset({408, 429})  # client errors that are worth trying again


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A post is never re-sent elsewhere: a redirect is the endpoint's answer."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict, timeout: float, keep: int) -> tuple[int, bytes]:
    """POST `body` to an http(s) `url`, never following a redirect; return the status and the
    first `keep` bytes of the answer. An unreachable endpoint or a timeout raises
    `TransientDeliveryError`."""
    if not url.lower().startswith(("https://", "http://")):
        raise PermanentDeliveryError(f"Not an http(s) URL: {url[:60]!r}.")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(keep)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(keep)
    except TimeoutError as error:
        raise TransientDeliveryError(f"No answer within {timeout:g} s.") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TransientDeliveryError(f"Could not reach the endpoint: {reason}") from error


def refusal(status: int, reason: str) -> DeliveryError:
    """The error for an answer that is not a success: retried for 5xx, 408 and 429 only."""
    if status >= 500 or status in RETRY_STATUSES:
        return TransientDeliveryError(reason)
    return PermanentDeliveryError(reason)
