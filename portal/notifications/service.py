"""Telling people: e-mails written to the outbox and in-app notifications, by each user's choice.

`queue_email` is the one way to send a message. It renders the template (HTML and text, both on
the shared layout) in the recipient's time zone, writes an in-app notification for a recipient
with a login, and honours the recipient's choice for the event type: `email`, `in_app` only, or a
weekly `digest` (see `portal.notifications.digest`). Security mails (password reset,
invitations, sign-in links) always go by e-mail. Delivery is the sender's job. Code that writes
many messages at once (reminders, the digest) reads their recipients up front with `Audience`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app, render_template

from portal.auth.links import link_refs_in
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification, NotificationSetting, OutboxMessage

CHANNELS = ("email", "in_app", "digest")
CHANNEL_LABELS = {"email": "E-mail", "in_app": "In the portal only", "digest": "Weekly digest"}

# Event types a user may choose for, with the words on the settings page and who gets them.
ADVOCATE = frozenset({"advocate"})
STAFF = frozenset({"requester", "csm", "manager", "admin"})
EVENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "ask_placed": ("Someone asks for your help", ADVOCATE),
    "ask_reminder": ("Reminders to answer an ask", ADVOCATE),
    "ask_withdrawn": ("An ask to you is no longer needed", ADVOCATE),
    "claim_decided": ("Decisions on your benefit claims", ADVOCATE),
    "claim_promoted": ("A place opens for a waitlisted claim", ADVOCATE),
    "claim_points_expiring": ("Your points are about to expire", ADVOCATE),
    "thank_you": ("Thanks for an activity you completed", ADVOCATE),
    "help_achieved": ("What a deal you helped achieved", ADVOCATE),
    "benefit_opened": ("A new benefit you can claim", ADVOCATE),
    "ask_answered": ("An advocate answers your request", STAFF),
    "request_fulfilled": ("Your request has enough advocates", STAFF),
    "advocate_left": ("An advocate of your request leaves the program", STAFF),
    "follow_ups_due": ("Follow-ups due with advocates", frozenset({"csm", "manager", "admin"})),
    "content_expiring": ("Customer approval of content ends soon", frozenset({"manager", "admin"})),
    "ask_scheduled": ("Calendar invitations for scheduled activities", ADVOCATE | STAFF),
    "contact_asked": ("A contact at an account you look after is asked", frozenset({"csm"})),
    "nomination_received": (
        "A contact at an account you look after is nominated",
        frozenset({"csm", "manager", "admin"}),
    ),
    "work_shared": ("An activity is shared with a request of yours", STAFF),
    "executive_summary": ("The program's summary of headline figures", frozenset({"executive"})),
}
# Templates that belong to another template's event type.
TEMPLATE_EVENTS = {
    "ask_cancelled": "ask_scheduled",
    "ask_rescheduled": "ask_scheduled",
    "ask_slots_offered": "ask_scheduled",  # times to pick: part of getting a date
    "ask_backed_out": "advocate_left",
    "ask_vetoed": "ask_answered",
    "nomination_objection_decided": "nomination_received",
    "work_shared_added": "work_shared",
    "work_shared_joined": "work_shared",
    "work_shared_completed": "work_shared",
}
# Always e-mailed, never in-app: they carry a link to sign in or set a password.
SECURITY_TEMPLATES = frozenset(
    {
        "password_reset",
        "invitation",
        "invitation_reminder",
        "advocate_invitation",
        "advocate_invitation_reminder",
        "magic_link",
        "sign_in_link",
        "self_nomination_confirm",
    }
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def clean_header(value: str, max_length: int = 300) -> str:
    """One line of plain text for a mail header: line breaks and control characters become a
    space, so user-supplied text (names, titles) can never add a header."""
    return re.sub(r"\s{2,}", " ", _CONTROL.sub(" ", value or "")).strip()[:max_length]


def event_type_of(template: str) -> str:
    return TEMPLATE_EVENTS.get(template, template)


def event_types_for(user) -> list[str]:
    """The event types a user may choose for, in settings-page order."""
    return [name for name, (_, roles) in EVENT_TYPES.items() if user.role in roles]


def channel_for(user, event_type: str) -> str:
    """The user's choice for `event_type`; e-mail unless they chose otherwise."""
    if user is None or event_type in SECURITY_TEMPLATES:
        return "email"
    chosen = db.session.scalar(
        sa.select(NotificationSetting.channel).where(
            NotificationSetting.user_id == user.id, NotificationSetting.event_type == event_type
        )
    )
    return chosen if chosen in CHANNELS else "email"


def settings_of(user) -> dict[str, str]:
    """{event type: channel} for every event type the user may choose for."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationSetting.event_type, NotificationSetting.channel).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {name: chosen.get(name, "email") for name in event_types_for(user)}


def save_settings(actor, choices: dict[str, str]) -> dict[str, list]:
    """Store the actor's own choices; returns {event type: [old, new]} for what changed."""
    from portal.audit import service as audit
    from portal.errors import ValidationFailed

    current = settings_of(actor)
    errors = {
        name: f"Must be one of: {', '.join(CHANNELS)}."
        for name, channel in choices.items()
        if name in current and channel not in CHANNELS
    }
    errors.update({name: "Unknown event type." for name in choices if name not in current})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    rows = {
        row.event_type: row
        for row in db.session.scalars(
            sa.select(NotificationSetting).where(NotificationSetting.user_id == actor.id)
        )
    }
    changed = {}
    for name, channel in choices.items():
        if current[name] == channel:
            continue
        changed[name] = [current[name], channel]
        if name in rows:
            rows[name].channel = channel
        else:
            db.session.add(NotificationSetting(user_id=actor.id, event_type=name, channel=channel))
    if changed:
        db.session.flush()
        audit.record(actor, "notifications.settings_changed", actor, changed)
    return changed


def set_timezone(actor, name) -> bool:
    """A staff user's own time zone, for the times in their messages and pages (an advocate's
    comes from their profile). True when it changed."""
    from portal.audit import service as audit
    from portal.errors import DomainError, ValidationFailed
    from portal.validation import Checker

    if actor.role == "advocate":
        raise DomainError("Change your time zone in your profile.", field="timezone")
    checker = Checker({"timezone": (name or "").strip()}, allowed=("timezone",))
    checker.timezone("timezone")
    zone = checker.done()["timezone"]
    if not zone:  # blank: a page sent without it (the column may not be empty)
        raise ValidationFailed("Choose your time zone.", field="timezone")
    if zone == actor.timezone:
        return False
    old, actor.timezone = actor.timezone, zone
    audit.record(actor, "user.timezone_changed", actor, {"from": old, "to": zone})
    return True


# -- time zones -------------------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def recipient_zone(recipient: str, user=None) -> ZoneInfo:
    """The recipient's zone: the advocate's own `timezone` when the address is an advocate's,
    else the user's, else the program's default (UTC)."""
    from portal.advocates.models import Advocate

    advocate_zone = db.session.scalar(
        sa.select(Advocate.timezone).where(sa.func.lower(Advocate.email) == recipient.lower())
    )
    if advocate_zone:
        return _zone(advocate_zone)
    if user is not None:
        return _zone(user.timezone)
    return _zone(current_app.config.get("DEFAULT_TIMEZONE", "UTC"))


def time_helpers(zone: ZoneInfo) -> dict:
    """Template functions that show times in `zone`, naming the zone."""

    def local_time(value: dt.datetime | None, fmt: str = "%A %d %B %Y, %H:%M") -> str:
        if value is None:
            return ""
        here = value.astimezone(zone)
        return f"{here.strftime(fmt)} {here.tzname()} ({zone.key})"

    def local_day(value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone).date()
        return value.strftime("%d %B %Y")

    return {"local_time": local_time, "local_day": local_day, "zone_name": zone.key}


# -- writing ------------------------------------------------------------------------------------


def _recipient_user(recipient: str, context: dict):
    """The user the message is for: `user` in the context when it is theirs, else by e-mail."""
    hinted = context.get("user")
    if isinstance(hinted, User) and hinted.email.lower() == recipient.lower():
        return hinted
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == recipient.lower()))


def _path(url: str | None) -> str | None:
    """A link inside the portal as a path (in-app links work on any host)."""
    if not url:
        return None
    base = current_app.config["BASE_URL"]
    if url.startswith(base):
        return url[len(base) :] or "/"
    return url if url.startswith("/") else None


def _in_app_link(template: str, user, context: dict) -> str | None:
    from portal.urls import external_url

    if "in_app_link" in context:
        return context["in_app_link"]
    ask = context.get("ask")
    if ask is not None:
        if user.role == "advocate":
            return _path(external_url("me.ask", ask_id=ask.id))
        return _path(external_url("requests.detail", request_id=ask.request_id))
    if context.get("claim") is not None or template.startswith("claim_"):
        return _path(external_url("benefits.claims"))
    if context.get("request") is not None and hasattr(context["request"], "requester_id"):
        return _path(external_url("requests.detail", request_id=context["request"].id))
    return _path(context.get("link"))


def program_name() -> str:
    """The program's name as people know it (program settings), for messages and calendars."""
    from portal.program.policy import program_name as name

    return name()


class Audience:
    """The recipients of many messages, read up front in four queries whatever their number:
    their users, each user's channel choices, the advocates' time zones and the program's name.

    Given to `queue_email` (or `render_message`), writing each message runs no query at all, so
    a run that writes many (reminders, the digest) costs the same number of queries for ten
    recipients as for ten thousand. It answers as `_recipient_user`, `channel_for` and
    `recipient_zone` do.
    """

    def __init__(self, recipients: Iterable[str]) -> None:
        from portal.advocates.models import Advocate

        emails = sorted({clean_header(r, 2000).lower() for r in recipients if r})
        self.program_name = program_name()
        self._users: dict[str, User] = {}
        self._zones: dict[str, str] = {}
        self._channels: dict[tuple[int, str], str] = {}
        if not emails:
            return
        users = db.session.scalars(sa.select(User).where(sa.func.lower(User.email).in_(emails)))
        self._users = {user.email.lower(): user for user in users}
        zones = db.session.execute(
            sa.select(sa.func.lower(Advocate.email), Advocate.timezone).where(
                sa.func.lower(Advocate.email).in_(emails)
            )
        )
        self._zones = {email: zone for email, zone in zones if zone}
        ids = [user.id for user in self._users.values()]
        if ids:
            chosen = db.session.execute(
                sa.select(
                    NotificationSetting.user_id,
                    NotificationSetting.event_type,
                    NotificationSetting.channel,
                ).where(NotificationSetting.user_id.in_(ids))
            )
            self._channels = {(uid, event): channel for uid, event, channel in chosen}

    def user(self, recipient: str, context: dict):
        hinted = context.get("user")
        if isinstance(hinted, User) and hinted.email.lower() == recipient.lower():
            return hinted
        return self._users.get(recipient.lower())

    def channel(self, user, event_type: str) -> str:
        if user is None or event_type in SECURITY_TEMPLATES:
            return "email"
        chosen = self._channels.get((user.id, event_type))
        return chosen if chosen in CHANNELS else "email"

    def zone(self, recipient: str, user=None) -> ZoneInfo:
        advocate_zone = self._zones.get(recipient.lower())
        if advocate_zone:
            return _zone(advocate_zone)
        if user is not None:
            return _zone(user.timezone)
        return _zone(current_app.config.get("DEFAULT_TIMEZONE", "UTC"))


def base_context(recipient: str, user=None, audience: Audience | None = None) -> dict:
    """What every message template may use (see `templates/notifications/email/_layout.html`)."""
    from portal.urls import external_url

    if audience is not None:
        name, zone = audience.program_name, audience.zone(recipient, user)
    else:
        name, zone = program_name(), recipient_zone(recipient, user)
    return {
        "program_name": name,
        "base_url": current_app.config["BASE_URL"],
        "settings_link": external_url("notifications.settings"),
        "recipient": recipient,
        **time_helpers(zone),
    }


def render_message(
    template: str, recipient: str, user=None, /, *, audience: Audience | None = None, **context
) -> tuple[str, str]:
    """The (text, html) of `templates/notifications/email/<template>` for this recipient."""
    full = {**base_context(recipient, user, audience), **context}
    return (
        render_template(f"notifications/email/{template}.txt", **full),
        render_template(f"notifications/email/{template}.html", **full),
    )


def notify_in_app(user, event_type: str, title: str, link: str | None, *, digest: bool = False):
    """Add an in-app notification for `user` (the bell in the navigation counts it)."""
    note = Notification(
        user_id=user.id,
        event_type=event_type,
        title=clean_header(title),
        link=(link or None) and link[:500],
        digest="pending" if digest else None,
    )
    db.session.add(note)
    return note


def queue_email(
    template: str,
    recipient: str,
    subject: str,
    *,
    attachments: list[dict] | None = None,
    dedupe_key: str | None = None,
    audience: Audience | None = None,
    hold_until: dt.datetime | None = None,
    **context,
) -> OutboxMessage:
    """Write the message for `template` to `recipient`, as the recipient chose.

    Called inside the transaction of the change that causes it, so both commit together or not
    at all. A recipient with a login also gets an in-app notification (not for security mails).
    When they chose in-app only or the weekly digest, no e-mail is queued and the message
    returned is not added to the session (setting fields on it changes nothing).
    `attachments` are `{"filename", "content_type", "content"}` dicts (e.g. an ICS file).
    With an `audience` holding the recipient, nothing is read from the database.
    A message with `hold_until` is not delivered before then, and makes no in-app notification
    (the bell would tell at once what the hold keeps quiet).
    """
    recipient = clean_header(recipient, 2000)
    subject = clean_header(subject)
    event_type = event_type_of(template)
    security = template in SECURITY_TEMPLATES
    if audience is not None:
        user = audience.user(recipient, context)
        channel = "email" if security else audience.channel(user, event_type)
    else:
        user = _recipient_user(recipient, context)
        channel = "email" if security else channel_for(user, event_type)
    if user is not None and not security and hold_until is None:
        notify_in_app(
            user,
            event_type,
            subject,
            _in_app_link(template, user, context),
            digest=channel == "digest",
        )
    message = OutboxMessage(
        kind="email",
        template=template,
        recipient=recipient,
        subject=subject,
        user_id=user.id if user is not None else None,
        dedupe_key=dedupe_key,
        attachments=attachments or None,
        body_text="",
    )
    if hold_until is not None:
        message.next_attempt_at = hold_until
    if channel != "email":
        return message
    context.pop("in_app_link", None)
    message.body_text, message.body_html = render_message(
        template, recipient, user, audience=audience, **context
    )
    # The text keeps the links' stand-ins; only delivery fills those this message issued.
    refs = link_refs_in(message.body_text, message.body_html)
    # Always set, so every message has the same columns and many insert as one statement.
    message.meta = {"links": refs} if refs else None
    db.session.add(message)
    return message


def notify(user, template: str, subject: str, **context) -> OutboxMessage:
    """Tell a user about an event (e-mail, in-app or digest, as they chose)."""
    return queue_email(template, user.email, subject, user=user, **context)
