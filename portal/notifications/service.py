"""Telling people: e-mails written to the outbox and in-app notifications, by each user's choice.

`queue_email` is the one way to send a message. It renders the template (HTML and text, both on
the shared layout) and its subject in the recipient's time zone and language (an advocate's:
`portal.i18n.locale_for_advocate`; everyone else's: English), writes an in-app notification
for a recipient with a login, and honours the recipient's choice for the event type: `email`,
`in_app` only, or a weekly `digest` (see `portal.notifications.digest`). Security mails
(password reset, invitations, sign-in links) always go by e-mail. Delivery is the sender's job.
Code that writes many messages at once (reminders, the digest) reads their recipients up front
with `Audience`. The choices are in `portal.notifications.settings`, time zones and languages
in `portal.notifications.localization`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template

from portal import i18n
from portal.auth.links import link_refs_in
from portal.auth.models import User
from portal.database import chunks
from portal.extensions import db
from portal.notifications.localization import _advocate_row, _locale_of, _zone_of, time_helpers
from portal.notifications.models import Notification, NotificationSetting, OutboxMessage
from portal.notifications.settings import CHANNELS, SECURITY_TEMPLATES, channel_for, event_type_of

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def clean_header(value: str, max_length: int = 300) -> str:
    """One line of plain text for a mail header: line breaks and control characters become a
    space, so user-supplied text (names, titles) can never add a header."""
    return re.sub(r"\s{2,}", " ", _CONTROL.sub(" ", value or "")).strip()[:max_length]


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
    """The recipients of many messages, read up front: the program's name, then three queries
    per thousand recipients (their users, each user's channel choices, the advocates' time
    zones and languages).

    Given to `queue_email` (or `render_message`), writing each message runs no query at all, so
    a run that writes many (reminders, the digest) costs the same number of queries for ten
    recipients as for a thousand. It answers as `_recipient_user`, `channel_for` and
    `recipient_zone` and `recipient_locale` do.
    """

    def __init__(self, recipients: Iterable[str]) -> None:
        emails = sorted({clean_header(r, 2000).lower() for r in recipients if r})
        self.program_name = program_name()
        self._users: dict[str, User] = {}
        self._zones: dict[str, str] = {}
        self._locales: dict[str, str] = {}
        self._channels: dict[tuple[int, str], str] = {}
        if not emails:
            return
        for some in chunks(emails):
            self._read(some)

    def _read(self, emails: Sequence[str]) -> None:
        """What the messages need of these recipients (a bounded slice of them)."""
        from portal.advocates.models import Advocate

        users = list(
            db.session.scalars(sa.select(User).where(sa.func.lower(User.email).in_(emails)))
        )
        self._users.update({user.email.lower(): user for user in users})
        advocates = db.session.execute(
            sa.select(
                sa.func.lower(Advocate.email),
                Advocate.timezone,
                Advocate.locale,
                Advocate.languages,
            ).where(sa.func.lower(Advocate.email).in_(emails))
        )
        for email, zone, locale, languages in advocates:
            if zone:
                self._zones[email] = zone
            self._locales.setdefault(email, _locale_of((zone, locale, languages)))
        ids = [user.id for user in users]
        if ids:
            chosen = db.session.execute(
                sa.select(
                    NotificationSetting.user_id,
                    NotificationSetting.event_type,
                    NotificationSetting.channel,
                ).where(NotificationSetting.user_id.in_(ids))
            )
            self._channels.update({(uid, event): channel for uid, event, channel in chosen})

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
        return _zone_of(self._zones.get(recipient.lower()), user)

    def locale(self, recipient: str) -> str:
        return self._locales.get(recipient.lower(), i18n.DEFAULT_LOCALE)


class _One(Audience):
    """One recipient's time zone and locale, read in one query when first asked (a message
    sent alone)."""

    def __init__(self, recipient: str) -> None:  # not Audience's: that reads much more
        self._recipient = recipient

    @functools.cached_property
    def _row(self):
        return _advocate_row(self._recipient)

    def zone(self, recipient: str, user=None) -> ZoneInfo:
        return _zone_of(self._row[0] if self._row else None, user)

    def locale(self, recipient: str) -> str:
        return _locale_of(self._row)


def base_context(
    recipient: str, user=None, audience: Audience | None = None, locale: str | None = None
) -> dict:
    """What every message template may use (see `templates/notifications/email/_layout.html`).
    `locale`: the message's (else the recipient's)."""
    from portal.urls import external_url

    if audience is not None and not isinstance(audience, _One):
        name = audience.program_name
    else:
        name = program_name()
    audience = audience if audience is not None else _One(recipient)
    zone, locale = audience.zone(recipient, user), locale or audience.locale(recipient)
    return {
        "program_name": name,
        "base_url": current_app.config["BASE_URL"],
        "settings_link": external_url("notifications.settings"),
        "recipient": recipient,
        "message_locale": locale,
        **time_helpers(zone, locale),
    }


def render_message(
    template: str, recipient: str, user=None, /, *, audience: Audience | None = None, **context
) -> tuple[str, str]:
    """The (text, html) of `templates/notifications/email/<template>` for this recipient, in
    the recipient's language (`message_locale` in the context says which)."""
    full = {**base_context(recipient, user, audience), **context}
    with i18n.in_locale(full["message_locale"]):
        return (
            render_template(f"notifications/email/{template}.txt", **full),
            render_template(f"notifications/email/{template}.html", **full),
        )


def notify_in_app(user, event_type: str, title, link: str | None, *, digest: bool = False):
    """Add an in-app notification for `user` (the bell in the navigation counts it)."""
    note = Notification(
        user_id=user.id,
        event_type=event_type,
        title=clean_header(str(title)),
        link=(link or None) and link[:500],
        digest="pending" if digest else None,
    )
    db.session.add(note)
    return note


def queue_email(
    template: str,
    recipient: str,
    subject,
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
    `subject` is a string, or a lazy one (`flask_babel.lazy_gettext`) that is written in the
    recipient's language, as the message and its in-app notification are; the outbox row keeps
    a locale other than English in `meta["locale"]` (the e-mail's Content-Language).
    With an `audience` holding the recipient, nothing is read from the database.
    A message with `hold_until` is not delivered before then, and makes no in-app notification
    (the bell would tell at once what the hold keeps quiet).
    """
    recipient = clean_header(recipient, 2000)
    event_type = event_type_of(template)
    security = template in SECURITY_TEMPLATES
    if audience is not None:
        user = audience.user(recipient, context)
        channel = "email" if security else audience.channel(user, event_type)
    else:
        user = _recipient_user(recipient, context)
        channel = "email" if security else channel_for(user, event_type)
        audience = _One(recipient)
    if isinstance(subject, str):  # as it is (English): no need to know the locale yet
        subject = clean_header(subject)
    else:
        with i18n.in_locale(audience.locale(recipient)):
            subject = clean_header(str(subject))
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
    meta = {"links": refs} if refs else {}
    locale = audience.locale(recipient)
    if locale != i18n.DEFAULT_LOCALE:
        meta["locale"] = locale
    message.meta = meta or None
    db.session.add(message)
    return message


def notify(user, template: str, subject, **context) -> OutboxMessage:
    """Tell a user about an event (e-mail, in-app or digest, as they chose)."""
    return queue_email(template, user.email, subject, user=user, **context)
