"""Template filters and globals: human labels, state colours, times in the viewer's zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.auth.permissions import can
from portal.program import translations
from portal.program.ask_templates import template_text
from portal.program.custom_field_matching import criteria_words
from portal.program.policy import program_name
from portal.program.taxonomy import fixed_labels
from portal.vocab import label, use_fixed_labels
from portal.zones import zone

# One colour per state, the same on every page (STYLE: states are badges from one macro).
STATE_COLOURS = {
    "active": "success",
    "approved": "success",
    "accepted": "success",
    "completed": "success",
    "fulfilled": "success",
    "customer_approved": "success",
    "published": "success",
    "sent": "success",
    "won": "success",
    "succeeded": "success",
    "open": "primary",
    "submitted": "primary",
    "in_progress": "info",
    "running": "info",
    "pending": "warning",
    "requested": "warning",
    "queued": "warning",
    "nominated": "info",
    "invited": "info",
    "candidate": "info",
    "waitlisted": "info",
    "draft": "secondary",
    "paused": "secondary",
    "closed": "secondary",
    "expired": "secondary",
    "withdrawn": "secondary",
    "cancelled": "secondary",
    "retired": "dark",
    "declined": "danger",
    "failed": "danger",
    "lost": "danger",
    "do_not_contact": "danger",
    "referenceable": "success",
    "not_now": "warning",
    "not_referenceable": "danger",
    "healthy": "success",
    "watch": "warning",
    "at_risk": "danger",
}


def viewer_zone() -> ZoneInfo:
    return zone(getattr(current_user, "timezone", None))


DATETIME_FORMAT = "%d %b %Y, %H:%M"


def page_locale() -> Locale | None:
    """The page's (or message's) locale when it is not English, else None: English pages keep
    the portal's own formats ("07 Dec 2026, 14:30", "3 days ago", "1,234")."""
    locale = get_locale()
    return locale if locale is not None and locale.language != "en" else None


def local_datetime(value: dt.datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    if value is None:
        return ""
    value = value.astimezone(viewer_zone())
    locale = page_locale()
    if locale is None or fmt != DATETIME_FORMAT:  # a given format is a machine's (form values)
        return value.strftime(fmt)
    return locale.datetime_formats["medium"].format(
        format_skeleton("Hm", value, locale=locale), format_skeleton("yMMMd", value, locale=locale)
    )


def local_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(viewer_zone()).date()
    locale = page_locale()
    if locale is not None:
        return format_skeleton("yMMMd", value, locale=locale)  # "7. Dez. 2026"
    return value.strftime("%d %b %Y")


def _relative_in(locale: Locale, unit: str, count: int, future: bool) -> str:
    """'in 3 Tagen', 'vor 2 Stunden': the locale's own words for a count of a unit (CLDR)."""
    patterns = locale._data["date_fields"][unit]["future" if future else "past"]
    pattern = patterns.get(locale.plural_form(count)) or patterns.get("other")
    return pattern.replace("{0}", format_decimal(count, locale=locale))


def relative(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'3 days ago', 'in 2 hours', 'just now'."""
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    seconds = (value - now).total_seconds()
    future, seconds = seconds > 0, abs(seconds)
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 60 * 86400),  # "3 months ago" only from two months on; days read better before
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = int(seconds // (30 * 86400 if unit == "month" else size))
            locale = page_locale()
            if locale is not None:
                return _relative_in(locale, unit, count, future)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now" if page_locale() is None else _("just now")


def figure(value) -> str:
    """A report figure as people read it: thousands grouped, no '.0' on whole amounts, a dash
    for none."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    locale = page_locale()
    if locale is not None:
        if value == int(value):
            return format_decimal(int(value), locale=locale)
        return format_decimal(
            value, format="#,##0.00" if isinstance(value, Decimal) else None, locale=locale
        )
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"


def program_name_context() -> dict:
    """Pages show the program's name from its settings, read once per request
    (policy.program_name). Messages written outside a request (commands) are given it by
    `notifications.service.base_context`, read once for all of them, so nothing is read here.
    `current_locale`: the page's language (`<html lang>`)."""
    if not has_request_context():
        return {}
    return {"program_name": program_name(), "current_locale": str(get_locale() or "en")}


_FRAGMENTS: dict[tuple, Markup] = {}


def menu_fragment(template: str) -> Markup:
    """A part of the layout that only the viewer's role and the page's blueprint and endpoint
    decide (the menus, the script and style links), rendered once per such combination and
    kept for the life of the process: every page would otherwise build some forty links.
    Templates reloaded while developing are rendered every time."""
    role = getattr(current_user, "role", None) if current_user.is_authenticated else None
    key = (
        template,
        role,
        request.blueprint,
        request.endpoint,
        request.script_root,
        str(get_locale()),
    )
    fragment = _FRAGMENTS.get(key)
    if fragment is None:
        # Our own template's output, escaped by Jinja as it rendered.
        fragment = Markup(render_template(template))  # noqa: S704  # nosec B704
        if not current_app.jinja_env.auto_reload:
            _FRAGMENTS[key] = fragment
    return fragment


def register(app: Flask) -> None:
    app.jinja_env.filters["label"] = label
    use_fixed_labels(fixed_labels)  # region and seniority words as the administrators set them
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["relative"] = relative
    app.jinja_env.globals["state_colour"] = lambda state: STATE_COLOURS.get(state, "secondary")
    app.jinja_env.globals["can"] = lambda permission: can(current_user, permission)
    app.jinja_env.globals["menu_fragment"] = menu_fragment
    app.jinja_env.globals["custom_criteria_words"] = criteria_words  # a request's, in words
    app.jinja_env.globals["ask_template_text"] = template_text  # the program's, per activity
    app.jinja_env.globals["benefit_description"] = translations.benefit_description
    app.context_processor(program_name_context)
