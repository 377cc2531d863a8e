"""The time zone and language of a message: the recipient's (an advocate's own, else the
user's, else the program's default), and the template functions that write times in them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal import i18n
from portal.extensions import db
from portal.zones import zone as _zone


def _advocate_row(recipient: str):
    """(timezone, locale, languages) of the advocate with this address, or None (one query)."""
    from portal.advocates.models import Advocate

    return db.session.execute(
        sa.select(Advocate.timezone, Advocate.locale, Advocate.languages)
        .where(sa.func.lower(Advocate.email) == recipient.lower())
        .limit(1)
    ).first()


def _zone_of(advocate_zone: str | None, user) -> ZoneInfo:
    if advocate_zone:
        return _zone(advocate_zone)
    if user is not None:
        return _zone(user.timezone)
    return _zone(current_app.config.get("DEFAULT_TIMEZONE", "UTC"))


def _locale_of(row) -> str:
    """The locale of messages to the advocate of `row` (timezone, locale, languages), else
    English (staff, strangers)."""
    if row is None:
        return i18n.DEFAULT_LOCALE
    return i18n.locale_from(row[1], row[2])


def recipient_zone(recipient: str, user=None) -> ZoneInfo:
    """The recipient's zone: the advocate's own `timezone` when the address is an advocate's,
    else the user's, else the program's default (UTC)."""
    row = _advocate_row(recipient)
    return _zone_of(row[0] if row else None, user)


def recipient_locale(recipient: str) -> str:
    """The locale of messages to `recipient`: an advocate's (`i18n.locale_for_advocate`) when
    the address is an advocate's, else English (staff read the portal in English)."""
    return _locale_of(_advocate_row(recipient))


# strftime directives and the CLDR fields they stand for (for Babel's skeletons).
_SKELETON = {"A": "EEEE", "a": "EEE", "d": "d", "e": "d", "B": "MMMM", "b": "MMM", "m": "MM",
             "Y": "y", "y": "yy"}  # fmt: skip


def _babel_local(value: dt.datetime | dt.date, fmt: str, locale: str) -> str:
    """`value` as `fmt` (strftime) says in English, written the locale's way: the same fields
    (weekday, day, month, year; hours and minutes) in the locale's order and words."""
    from babel import dates

    fields = re.findall(r"%(.)", fmt)
    skeleton = "".join(_SKELETON[f] for f in fields if f in _SKELETON)
    day = dates.format_skeleton(skeleton, value, locale=locale) if skeleton else ""
    if not isinstance(value, dt.datetime) or not ({"H", "M", "I"} & set(fields)):
        return day
    time = dates.format_time(value, "short", locale=locale)
    if not day:
        return time
    return (
        dates.get_datetime_format("medium", locale=locale).replace("{1}", day).replace("{0}", time)
    )


def time_helpers(zone: ZoneInfo, locale: str | None = None) -> dict:
    """Template functions that show times in `zone`, naming the zone, written for `locale`
    (English: the strftime formats as they are; another locale: Babel's words and order)."""
    locale = i18n.supported(locale) or i18n.DEFAULT_LOCALE

    def local_time(value: dt.datetime | None, fmt: str = "%A %d %B %Y, %H:%M") -> str:
        if value is None:
            return ""
        here = value.astimezone(zone)
        if locale != i18n.DEFAULT_LOCALE:
            return f"{_babel_local(here, fmt, locale)} {here.tzname()} ({zone.key})"
        return f"{here.strftime(fmt)} {here.tzname()} ({zone.key})"

    def local_day(value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone).date()
        if locale != i18n.DEFAULT_LOCALE:
            from babel.dates import format_date

            return format_date(value, "long", locale=locale)
        return value.strftime("%d %B %Y")

    return {"local_time": local_time, "local_day": local_day, "zone_name": zone.key}
