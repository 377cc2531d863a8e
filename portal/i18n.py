"""Languages: which locale a page, e-mail or calendar invitation is written in.

Advocates are customers around the world. Everything they see (their pages, form errors, the
e-mails and calendar invitations sent to them, the terms) is translated into the LOCALES below
with Flask-Babel (gettext catalogs in `portal/translations`, compiled at install time: see the
README, Languages). Staff pages are marked for translation and shipped in English.

Which locale:
- a signed-in advocate: the language chosen on their profile (`Advocate.locale`), else what the
  browser asks for (`Accept-Language`);
- a visitor who is not signed in (sign-in, magic links): the browser's `Accept-Language`; one
  who answers an ask from its e-mail: the language that advocate chose, else the browser's;
- staff: English;
- a message to an advocate (no browser to ask): their chosen language, else the first of the
  languages they speak that the portal has, else English (`locale_for_advocate`).

Dates, numbers and currencies are formatted for the locale by Babel (`portal.templating`).
"""

from __future__ import annotations

from collections.abc import Iterable

from babel.support import NullTranslations
from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_translations
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
_LINK_LOCALE = "link_locale"

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
    return locale_from(getattr(advocate, "locale", None), getattr(advocate, "languages", None))


def locale_from(chosen: str | None, languages: Iterable[str] | None) -> str:
    """The rule for messages: the language chosen, else the first spoken that we ship, else
    English (`locale_for_advocate`; the outbox reads the two columns without the advocate)."""
    return supported(chosen) or first_supported(languages) or DEFAULT_LOCALE


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
    # A visitor who answers an ask from its e-mail: the language that advocate chose.
    return supported(session.get(_LINK_LOCALE)) or browser_locale()


def follow_advocate(advocate) -> None:
    """A page reached through an advocate's own link (answering an ask from its e-mail, not
    signed in) is in the language that advocate chose, if any, for the rest of the visit."""
    from flask_babel import refresh

    chosen = supported(getattr(advocate, "locale", None))
    if chosen and session.get(_LINK_LOCALE) != chosen:
        session[_LINK_LOCALE] = chosen
    refresh()


def in_locale(locale: str | None):
    """A context manager: gettext and Babel formatting in `locale` inside it (messages)."""
    return force_locale(supported(locale) or DEFAULT_LOCALE)


_NULL = NullTranslations()
# Languages whose nouns keep their capital letter inside a sentence.
_NOUNS_CAPITALISED = frozenset({"de"})


def locale_keeps_case() -> bool:
    """Whether words of the vocabulary keep their case inside a sentence in the current locale."""
    if not has_app_context():
        return False
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language in _NOUNS_CAPITALISED


def translations():
    """The catalog of the current locale, kept on Flask-Babel's context for the rest of the
    request. Flask-Babel looks it up again for every string (its locale, then a cache keyed by
    the locale's name: some 40 microseconds), which a page of a hundred strings would feel;
    `force_locale` and `refresh` reset the kept one (`babel_translations`), so a message
    rendered in the recipient's language inside a request still gets theirs."""
    if not has_app_context():
        return _NULL
    kept = getattr(g.get("_flask_babel"), "babel_translations", None)
    if kept is not None:
        return kept
    found = get_translations()
    context = g.get("_flask_babel")
    if context is not None:
        context.babel_translations = found
    return found


def N_(text: str) -> str:
    """Marks a message kept in a constant for `pybabel extract` (keyword `N_`); whoever shows
    it translates it then with `gettext(CONSTANT)`."""
    return text


def long_date(day) -> str:
    """'07 December 2026' in English (the portal's own format), the locale's long date else."""
    locale = current_locale()
    if locale is None or locale.language == "en":
        return f"{day:%d %B %Y}"
    from flask_babel import format_date

    return format_date(day, "long")


def in_english() -> bool:
    """Whether the page or message being written is in English (outside a request: yes)."""
    locale = current_locale()
    return locale is None or locale.language == "en"


def money(amount, currency: str | None) -> str:
    """An amount in whole units with its currency: '250,000 USD' in English (the portal's own
    form), the locale's currency format else ('250.000 $', '250 000 $US', '$250,000')."""
    if amount is None:
        return ""
    locale = current_locale()
    if locale is None or locale.language == "en" or not currency:
        return f"{amount:,.0f} {currency or ''}".strip()
    from babel.numbers import format_currency

    whole = locale.currency_formats["standard"].pattern.split(";")[0].replace("0.00", "0")
    return format_currency(round(amount), currency, whole, locale=locale, currency_digits=False)


def current_locale():
    """The Babel locale of the page or message being written (None outside an app context)."""
    if not has_app_context():
        return None
    from flask_babel import get_locale

    return get_locale()


def gettext(text: str, **variables) -> str:
    """`flask_babel.gettext`, with the catalog kept per request (see `translations`)."""
    found = translations().ugettext(text)
    return found % variables if variables else found


def ngettext(singular: str, plural: str, number: int, **variables) -> str:
    variables.setdefault("num", number)
    return translations().ungettext(singular, plural, number) % variables


def register(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_domain="messages",
        default_translation_directories="translations",
    )
    # `{% trans %}` blocks fold their whitespace, as `pybabel extract` (babel.cfg) reads them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    from portal.vocab import in_sentence

    # `{{ key|in_sentence }}`: a vocabulary word inside a sentence, cased as the language does.
    app.jinja_env.filters["in_sentence"] = lambda value: str(in_sentence(value))
    app.jinja_env.filters["money"] = money
    # `_("...")` in a template is markup (its text is trusted); `|as_text` makes it plain text
    # again, escaped where it is printed like any other string.
    app.jinja_env.filters["as_text"] = lambda value: str.__str__(value)
    # Templates look their strings up through the catalog kept per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: translations().ugettext(text),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, text: translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n
        ),
    )
