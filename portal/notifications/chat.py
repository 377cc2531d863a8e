"""Team chat: selected program events posted to a Slack or Microsoft Teams channel.

The program sets an incoming-webhook URL, its flavour (slack or teams) and which events to post
(program settings `chat_webhook_url`, `chat_flavour`, `chat_events`). A subscriber to the domain
events writes a `chat` outbox message in the transaction of the change; the sender posts it
(`portal.notifications.transports.deliver_chat`) with the same retries as e-mail. The URL is
called only through `portal.outbound`: public addresses only, checked when saved and on each post.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from portal import outbound
from portal.auth.permissions import demand
from portal.events import Event, subscribe
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.program.service import get_setting, set_setting
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import label

FLAVOURS = ("slack", "teams")
# key -> what the program sees when choosing
CHAT_EVENTS = {
    "request_submitted": "A new reference request",
    "ask_accepted": "An advocate accepted an ask",
    "request_fulfilled": "A request has enough advocates",
    "claim_to_decide": "A benefit claim waits for a decision",
    "deal_won": "A deal that references helped closed won",
}
URL_MAX = 2000


def chat_settings() -> dict:
    return {
        "url": get_setting("chat_webhook_url"),
        "flavour": get_setting("chat_flavour"),
        "events": list(get_setting("chat_events")),
    }


def _check_url(c: Checker) -> None:
    url = c.clean.get("url")
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        c.error("url", "Use the webhook's http(s) address, such as https://hooks.slack.com/…")
    elif any(ch.isspace() for ch in url):
        c.error("url", "A web address has no spaces or line breaks.")
    else:  # credentials, port, and the addresses the host resolves to now (each post again)
        problem = outbound.problem(url)
        if problem:
            c.error("url", problem)


def update_chat_settings(actor, data: dict) -> dict:
    """Set the webhook URL (empty: off), flavour and events; returns {setting: [old, new]}."""
    demand(actor, "users.manage", "Only administrators change program settings.")
    c = Checker(data, allowed=("url", "flavour", "events"))
    c.text("url", max_length=URL_MAX)
    c.choice("flavour", FLAVOURS, required=True)
    c.choices("events", CHAT_EVENTS)
    _check_url(c)
    clean = c.done()
    current = chat_settings()
    keys = {"url": "chat_webhook_url", "flavour": "chat_flavour", "events": "chat_events"}
    changed = {}
    for name, key in keys.items():
        new = clean.get(name)
        if name == "events":
            new = [e for e in CHAT_EVENTS if e in (new or [])]
        if current[name] != new:
            changed[name] = [current[name], new]
            set_setting(actor, key, new)
    return changed


def queue_chat(key: str, title: str, text: str, link: str | None = None) -> OutboxMessage | None:
    """Write a chat post for event `key` when the program posts that event; else nothing."""
    url = get_setting("chat_webhook_url")
    if not url or key not in get_setting("chat_events"):
        return None
    message = OutboxMessage(
        kind="chat",
        template=f"chat/{key}",
        recipient=url,
        subject=_one_line(title, 300),
        body_text=text,
        meta={"flavour": get_setting("chat_flavour"), "link": link, "event": key},
    )
    db.session.add(message)
    return message


def _one_line(value: str, limit: int) -> str:
    """Names become part of a chat title: keep it one line (the outbox refuses line breaks)."""
    return " ".join(value.split())[:limit]


def _name(value: str | None) -> str:
    return _one_line(value or "", 200)


def _request_text(request) -> str:
    what = label(request.activity_type).lower()
    text = f"{_name(request.requester.name)} needs a {what}"
    if request.prospect_company:
        text += f" for {_name(request.prospect_company)}"
    text += f" by {request.needed_by:%d %B %Y}"
    if request.advocates_needed > 1:
        text += f" ({request.advocates_needed} advocates)"
    return text + "."


def post_to_chat(event: Event) -> None:
    if not get_setting("chat_webhook_url"):
        return
    obj = event.obj
    if event.action == "request.submitted":
        queue_chat(
            "request_submitted",
            f"New reference request: {label(obj.activity_type)}",
            _request_text(obj),
            external_url("queue.request_detail", request_id=obj.id),
        )
    elif event.action == "ask.accepted":
        request = obj.request
        advocate = obj.advocate
        queue_chat(
            "ask_accepted",
            f"{_name(advocate.name)} accepted: {label(request.activity_type)}",
            f"{_name(advocate.name)} ({_name(advocate.account.name)}) said yes to the "
            f"{label(request.activity_type).lower()}"
            + (f" for {_name(request.prospect_company)}." if request.prospect_company else "."),
            external_url("queue.request_detail", request_id=request.id),
        )
    elif event.action == "request.fulfilled":
        queue_chat(
            "request_fulfilled",
            f"Request fulfilled: {label(obj.activity_type)}",
            _request_text(obj) + f" Enough advocates accepted ({event.data.get('accepted')}).",
            external_url("queue.request_detail", request_id=obj.id),
        )
    elif event.action == "claim.created" and obj.status == "requested":
        advocate = obj.advocate
        benefit = obj.benefit
        queue_chat(
            "claim_to_decide",
            f"Claim to decide: {_name(benefit.title)}",
            f"{_name(advocate.name)} ({_name(advocate.account.name)}) claims "
            f"{_name(benefit.title)}; it needs approval.",
            external_url("benefits_admin.claims"),
        )


def register() -> None:
    """Subscribe the team-chat posts to their events.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("request.submitted", "ask.accepted", "request.fulfilled", "claim.created")(
        post_to_chat
    )
