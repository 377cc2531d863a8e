"""Languages: which locale a page, e-mail or calendar invitation is written in.

Advocates are customers around the world. Everything they see (their pages, form errors, the
e-mails and calendar invitations sent to them, the terms) is translated into the LOCALES below
with Flask-Babel (gettext catalogs in `portal/translations`, compiled at install time: see the
README, Languages). Staff pages are marked for translation and shipped in English.

Which locale:
- a signed-in advocate: the language chosen on their profile (`Advocate.locale`), else what the
  browser asks for (`Accept-Language`);
- a visitor who is not signed in (sign-in, magic links, answering an ask from an e-mail): the
  browser's `Accept-Language`;
- staff: English;
- a message to an advocate (no browser to ask): their chosen language, else the first of the
  languages they speak that the portal has, else English (`locale_for_advocate`).

Dates, numbers and currencies are formatted for the locale by Babel (`portal.templating`).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale
from flask_login import current_user

DEFAULT_LOCALE = "en"
# The locales the portal ships, with each one's name in its own language (the profile's
# choices show them so: a reader finds their language whatever the page is in).
LOCALES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
}
_CHOSEN = "portal.i18n.advocate_locale"

babel = Babel()


def supported(code: str | None) -> str | None:
    """`code` as a shipped locale ("de-AT" and "de_AT" are "de"), or None."""
    if not code:
        return None
    base = str(code).replace("_", "-").split("-", 1)[0].strip().lower()
    return base if base in LOCALES else None


def first_supported(codes: Iterable[str] | None) -> str | None:
    for code in codes or ():
        found = supported(code)
        if found:
            return found
    return None


def locale_for_advocate(advocate) -> str:
    """The locale of messages to `advocate` (an Advocate, or None for a stranger)."""
    if advocate is None:
        return DEFAULT_LOCALE
    return (
        supported(getattr(advocate, "locale", None))
        or first_supported(getattr(advocate, "languages", None))
        or DEFAULT_LOCALE
    )


def remember_advocate_locale(locale: str | None) -> None:
    """Keep the signed-in advocate's chosen locale for this request (read with the user: see
    `portal.layout`), so choosing the page's language costs no statement."""
    if has_request_context():
        setattr(g, _CHOSEN, supported(locale))


def browser_locale() -> str:
    """The best shipped match for the browser's Accept-Language, else English."""
    if not has_request_context():
        return DEFAULT_LOCALE
    return request.accept_languages.best_match(tuple(LOCALES), default=DEFAULT_LOCALE)


def select_locale() -> str:
    """Flask-Babel's locale selector for a web request (see the module's docstring)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    user = current_user
    if user and user.is_authenticated:
        if getattr(user, "role", None) != "advocate":
            return DEFAULT_LOCALE
        return g.get(_CHOSEN) or browser_locale()
    return browser_locale()


def in_locale(locale: str | None):
    """A context manager: gettext and Babel formatting in `locale` inside it (messages)."""
    return force_locale(supported(locale) or DEFAULT_LOCALE)


def register(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_domain="messages",
        default_translation_directories="translations",
    )
    # `{% trans %}` blocks fold their whitespace, as `pybabel extract` (babel.cfg) reads them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
