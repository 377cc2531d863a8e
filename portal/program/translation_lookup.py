"""Reading translations of program texts: the text in a locale, else the English text.

Kept apart from the service (`portal.program.translations`, which validates against the terms,
ask templates and benefits) so those modules can read translations without an import circle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import flask_babel
import sqlalchemy as sa
from flask import has_app_context

from portal import i18n
from portal.extensions import db
from portal.program.translation_models import TextTranslation


def page_locale(locale: str | None = None) -> str:
    """`locale` if given, else the page's or message's locale (Flask-Babel), as a shipped one."""
    if locale is None and has_app_context():
        current = flask_babel.get_locale()
        locale = str(current) if current is not None else None
    return i18n.supported(locale) or i18n.DEFAULT_LOCALE


def translated(kind: str, key, english: str | None, locale: str | None = None) -> str | None:
    """The text of (kind, key) in `locale` (default: the current one), else `english`."""
    locale = page_locale(locale)
    if locale == i18n.DEFAULT_LOCALE:
        return english
    text = db.session.scalar(
        sa.select(TextTranslation.text).where(
            TextTranslation.kind == kind,
            TextTranslation.key == str(key),
            TextTranslation.locale == locale,
        )
    )
    return text or english


def translated_many(kind: str, english: Mapping, locale: str | None = None) -> dict:
    """{key: its text in `locale`, else english[key]} for many keys in one statement (lists)."""
    locale = page_locale(locale)
    result = dict(english)
    if locale == i18n.DEFAULT_LOCALE or not result:
        return result
    by_text = {str(key): key for key in result}
    rows = db.session.execute(
        sa.select(TextTranslation.key, TextTranslation.text).where(
            TextTranslation.kind == kind,
            TextTranslation.locale == locale,
            TextTranslation.key.in_(list(by_text)),
        )
    )
    for key, text in rows:
        if text:
            result[by_text[key]] = text
    return result


def translations_of(kind: str, key) -> dict[str, TextTranslation]:
    """{locale: translation} of one text, for the pages that edit them."""
    return {
        row.locale: row
        for row in db.session.scalars(
            sa.select(TextTranslation).where(
                TextTranslation.kind == kind, TextTranslation.key == str(key)
            )
        )
    }


def delete_translations(kind: str, keys: Iterable) -> int:
    """Remove every translation of these texts (their English text is gone); how many."""
    keys = [str(key) for key in keys]
    if not keys:
        return 0
    result = db.session.execute(
        sa.delete(TextTranslation).where(
            TextTranslation.kind == kind, TextTranslation.key.in_(keys)
        )
    )
    return result.rowcount or 0
