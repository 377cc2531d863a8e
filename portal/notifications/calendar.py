"""Calendar invitations (iCalendar, RFC 5546) for scheduled activities, and private feeds.

An ask with a date is one calendar event with a stable UID (`ask-<id>@<portal host>`). Its
SEQUENCE is the number of times it was (re)scheduled minus one, read from the audit log, so a
reschedule updates the attendees' event and a withdrawal cancels it (METHOD:CANCEL). The
cancellation rides on the withdrawal notice where there is one (`cancellation`), so nobody gets
two e-mails about one withdrawal; `send_cancellations` covers the other attendees.

An advocate's invitations and feed are written in their language (`i18n.locale_for_advocate`:
the SUMMARY and DESCRIPTION, with a LANGUAGE parameter when it is not English); staff's in
English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from portal import i18n
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.audit.models import AuditEvent
from portal.auth.permissions import can
from portal.database import now_utc, parse_id
from portal.events import Event, subscribe
from portal.extensions import db
from portal.notifications.localization import _zone, recipient_zone, time_helpers
from portal.notifications.models import CalendarFeed, OutboxMessage
from portal.notifications.service import program_name, queue_email
from portal.program.policy import mail_from
from portal.vocab import label

PRODID = "-//Advocate Portal//Scheduled activities//EN"
DEFAULT_DURATION = dt.timedelta(hours=1)
# Activities that usually take longer than an hour.
DURATIONS = {
    "site_visit": dt.timedelta(hours=3),
    "speaking": dt.timedelta(hours=2),
    "advisory_board": dt.timedelta(hours=2),
    "video_testimonial": dt.timedelta(hours=2),
}
SCHEDULE_ACTIONS = ("ask.scheduled", "ask.rescheduled")
FEED_PAST = dt.timedelta(days=180)


def ask_uid(ask: Ask) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "portal"
    return f"ask-{ask.id}@{host}"


def times_scheduled(ask: Ask) -> int:
    """How often the ask was scheduled or rescheduled (the audit log counts)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity == Ask.__tablename__,
            AuditEvent.entity_id == ask.id,
            AuditEvent.action.in_(SCHEDULE_ACTIONS),
        )
    )


def duration_of(ask: Ask) -> dt.timedelta:
    return DURATIONS.get(ask.request.activity_type, DEFAULT_DURATION)


def _organizer() -> icalendar.vCalAddress:
    name, address = parseaddr(mail_from())
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = name or address
    return organizer


def _attendee(name: str, email: str, partstat: str) -> icalendar.vCalAddress:
    attendee = icalendar.vCalAddress(f"mailto:{email}")
    attendee.params["CN"] = name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = partstat
    attendee.params["RSVP"] = "FALSE"
    return attendee


def summary_of(ask: Ask) -> str:
    """The event's title, in the current locale (see `i18n.in_locale`)."""
    request = ask.request
    activity, name = label(request.activity_type), ask.advocate.name
    if request.prospect_company:
        return gettext(
            "%(activity)s with %(name)s for %(company)s",
            activity=activity,
            name=name,
            company=request.prospect_company,
        )
    return gettext("%(activity)s with %(name)s", activity=activity, name=name)


def _description(ask: Ask) -> str:
    request = ask.request
    lines = [
        gettext(
            "%(activity)s arranged through %(program)s.",
            activity=label(request.activity_type),
            program=program_name(),
        ),
        gettext(
            "Advocate: %(name)s (%(account)s)",
            name=ask.advocate.name,
            account=ask.advocate.account.name,
        ),
        gettext("Requested by: %(name)s", name=request.requester.name),
    ]
    if request.prospect_company:
        lines.append(gettext("Prospect: %(company)s", company=request.prospect_company))
    if ask.proposed_times:
        lines.append(gettext("Times the advocate proposed: %(times)s", times=ask.proposed_times))
    return "\n".join(lines)


def attendee_locale(ask: Ask, email: str) -> str:
    """The language of an attendee's invitation: the advocate's, else (staff) English."""
    if (email or "").lower() == (ask.advocate.email or "").lower():
        return i18n.locale_for_advocate(ask.advocate)
    return i18n.DEFAULT_LOCALE


def event_for(
    ask: Ask, *, sequence: int, cancelled: bool = False, locale: str | None = None
) -> icalendar.Event:
    """The VEVENT of an ask: times in the advocate's zone (TZID), stamped in UTC; its texts in
    `locale` (English by default)."""
    locale = i18n.supported(locale) or i18n.DEFAULT_LOCALE
    with i18n.in_locale(locale):
        summary, description = summary_of(ask), _description(ask)
    # The texts' language, when it is not the calendar's default (RFC 5545 3.2.10).
    language = {"LANGUAGE": locale} if locale != i18n.DEFAULT_LOCALE else None
    zone = _zone(ask.advocate.timezone)
    start = ask.scheduled_at.astimezone(zone)
    event = icalendar.Event()
    event.add("uid", ask_uid(ask))
    event.add("sequence", sequence)
    event.add("dtstamp", now_utc())
    event.add("dtstart", start)
    event.add("dtend", start + duration_of(ask))
    event.add("summary", summary, parameters=language)
    event.add("description", description, parameters=language)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _organizer())
    event.add("attendee", _attendee(ask.advocate.name, ask.advocate.email, "ACCEPTED"))
    requester = ask.request.requester
    event.add("attendee", _attendee(requester.name, requester.email, "ACCEPTED"))
    return event


def _calendar(method: str | None = None, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def invitation_ics(
    ask: Ask, method: str = "REQUEST", sequence: int | None = None, locale: str | None = None
) -> str:
    """The invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) of a scheduled ask,
    its texts in `locale` (English by default)."""
    if sequence is None:
        sequence = max(times_scheduled(ask) - 1, 0)
    calendar = _calendar(method)
    calendar.add_component(
        event_for(ask, sequence=sequence, cancelled=method == "CANCEL", locale=locale)
    )
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def _attachment(ask: Ask, method: str, sequence: int, locale: str | None = None) -> dict:
    return {
        "filename": "invite.ics" if method == "REQUEST" else "cancel.ics",
        "content_type": f"text/calendar; method={method}",
        "content": invitation_ics(ask, method, sequence, locale),
    }


def _attendees(ask: Ask) -> list[tuple[str, object]]:
    """(e-mail, user or None) of each attendee, the advocate first."""
    people = [(ask.advocate.email, ask.advocate.user)]
    requester = ask.request.requester
    if requester.email.lower() != (ask.advocate.email or "").lower():
        people.append((requester.email, requester))
    return [(email, user) for email, user in people if email]


def send_invitations(event: Event) -> None:
    """E-mail both attendees the invitation (an update after a reschedule)."""
    ask = event.obj
    if ask.scheduled_at is None:
        return
    sequence = max(times_scheduled(ask) - 1, 0)
    attachments: dict[str, dict] = {}  # one per language
    moved = event.action == "ask.rescheduled"
    for email, user in _attendees(ask):
        locale = attendee_locale(ask, email)
        if locale not in attachments:
            attachments[locale] = _attachment(ask, "REQUEST", sequence, locale)
        with i18n.in_locale(locale):
            when = time_helpers(recipient_zone(email, user), locale)["local_time"](
                ask.scheduled_at, "%a %d %b %Y, %H:%M"
            )
            values = {"summary": summary_of(ask), "when": when}
            subject = (
                gettext("Moved: %(summary)s, %(when)s", **values)
                if moved
                else gettext("Invitation: %(summary)s, %(when)s", **values)
            )
        queue_email(
            "ask_scheduled",
            email,
            subject,
            attachments=[attachments[locale]],
            ask=ask,
            request=ask.request,
            moved=moved,
            duration_minutes=int(duration_of(ask).total_seconds() // 60),
            person=user,
        )


def cancellation(ask: Ask, recipient: str | None = None) -> dict | None:
    """The METHOD:CANCEL attachment of a withdrawn ask's event, or None when it had no date;
    in the language of `recipient` (an attendee's address; English by default)."""
    if ask.scheduled_at is None:
        return None
    locale = attendee_locale(ask, recipient) if recipient else None
    return _attachment(ask, "CANCEL", times_scheduled(ask), locale)


def _written_in(attachment: dict, locale: str) -> bool:
    """Whether an ICS attachment's texts are in `locale` (see `event_for`'s LANGUAGE)."""
    content = attachment.get("content") or ""
    if locale == i18n.DEFAULT_LOCALE:
        return ";LANGUAGE=" not in content
    return f";LANGUAGE={locale}:" in content


def send_cancellations(
    ask: Ask, attachment: dict, reason: str | None, *, notice: OutboxMessage
) -> None:
    """METHOD:CANCEL for the same UID to each attendee the withdrawal `notice` (which carries
    the attachment) does not reach by e-mail: the other attendee, and the notice's recipient
    when they read such notices in the portal only."""
    mailed = notice.recipient.lower() if notice in db.session else None
    for email, user in _attendees(ask):
        if email.lower() == mailed:
            continue
        locale = attendee_locale(ask, email)
        mine = attachment
        if not _written_in(attachment, locale):  # the notice's language: this one in theirs
            mine = _attachment(ask, "CANCEL", times_scheduled(ask), locale)
        with i18n.in_locale(locale):
            subject = gettext("Cancelled: %(summary)s", summary=summary_of(ask))
        queue_email(
            "ask_cancelled",
            email,
            subject,
            attachments=[mine],
            ask=ask,
            request=ask.request,
            reason=reason,
            person=user,
        )


# -- private feeds ------------------------------------------------------------------------------


def _mac(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"calendar-feed:{user_id}:{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def feed_token(user) -> str | None:
    """The user's current feed token, or None when they have no feed."""
    feed = db.session.get(CalendarFeed, user.id)
    return f"{user.id}-{_mac(user.id, feed.nonce)}" if feed else None


def regenerate_feed(actor) -> str:
    """A new feed URL for the actor; the old one stops working at once."""
    from portal.audit import service as audit

    feed = db.session.get(CalendarFeed, actor.id)
    if feed is None:
        feed = CalendarFeed(user_id=actor.id)
        db.session.add(feed)
    feed.nonce = secrets.token_urlsafe(32)
    feed.created_at = now_utc()
    db.session.flush()
    audit.record(actor, "calendar.feed_regenerated", actor)
    return feed_token(actor)


def revoke_feed(actor) -> bool:
    """Switch the actor's feed off; True when there was one."""
    from portal.audit import service as audit

    feed = db.session.get(CalendarFeed, actor.id)
    if feed is None:
        return False
    db.session.delete(feed)
    audit.record(actor, "calendar.feed_revoked", actor)
    return True


def user_for_feed(token: str):
    """The active user whose current feed token this is, else None (constant-time compare)."""
    from portal.auth.models import User

    user_id, _, mac = (token or "").partition("-")
    feed_id = parse_id(user_id)
    if feed_id is None or not mac:
        return None
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or not hmac.compare_digest(mac, _mac(feed.user_id, feed.nonce)):
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None


def feed_asks(user, at: dt.datetime | None = None) -> list[Ask]:
    """Scheduled activities the user takes part in (managers: all), from six months back."""
    at = at or now_utc()
    query = (
        sa.select(Ask)
        .join(Ask.request)
        .where(
            Ask.scheduled_at.is_not(None),
            Ask.scheduled_at >= at - FEED_PAST,
            Ask.status.in_(("accepted", "completed")),
        )
        .order_by(Ask.scheduled_at)
    )
    if user.role == "advocate":
        query = query.join(Ask.advocate).where(Advocate.user_id == user.id)
    elif not can(user, "program.manage"):
        query = query.where(ReferenceRequest.requester_id == user.id)
    return db.session.scalars(query).all()


def feed_ics(user) -> str:
    """The user's feed: one VEVENT per scheduled activity, with the same UIDs as the mails."""
    asks = feed_asks(user)
    sequences = dict(
        db.session.execute(
            sa.select(AuditEvent.entity_id, sa.func.count())
            .where(
                AuditEvent.entity == Ask.__tablename__,
                AuditEvent.entity_id.in_([a.id for a in asks]),
                AuditEvent.action.in_(SCHEDULE_ACTIONS),
            )
            .group_by(AuditEvent.entity_id)
        ).all()
    )
    calendar = _calendar(name=f"{program_name()}: {user.name}")
    # An advocate's feed in their language (all its asks are theirs); staff's in English.
    locale = (
        i18n.locale_for_advocate(asks[0].advocate) if user.role == "advocate" and asks else None
    )
    for ask in asks:
        calendar.add_component(
            event_for(ask, sequence=max(sequences.get(ask.id, 1) - 1, 0), locale=locale)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def register() -> None:
    """Subscribe the calendar invitations to scheduling.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe(*SCHEDULE_ACTIONS)(send_invitations)
