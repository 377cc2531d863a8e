"""Program-written texts in the advocates' languages (issue 23): the terms (per version), the
ask templates (per activity type) and benefit descriptions (per benefit) may carry a translation
per locale besides English; advocates read theirs, with the English text as the fallback.

English is the program's own text, edited where it always was; a translation is checked by the
rules of its English field, changed only by those who may change that field, and audited.
A translation of the terms belongs to one version's text (the draft's become the published
version's); a newly published version has only those made on its draft. Consent records the
version label, never the language.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import i18n
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.benefits.models import Benefit
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.program import ask_templates, terms
from portal.program.terms_models import TermsVersion
from portal.program.translation_lookup import (
    delete_translations,
    page_locale,
    translated,
    translated_many,
    translations_of,
)
from portal.program.translation_models import TRANSLATION_KINDS, TextTranslation
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES

__all__ = [
    "BENEFIT_DESCRIPTION_MAX",
    "TRANSLATED_LOCALES",
    "benefit_description",
    "check_may_translate",
    "delete_translations",
    "english_text",
    "page_locale",
    "set_translation",
    "translated",
    "translated_many",
    "translations_of",
]

# The locales a text is translated into: every shipped one but English (the program's text).
TRANSLATED_LOCALES = {k: v for k, v in i18n.LOCALES.items() if k != i18n.DEFAULT_LOCALE}
BENEFIT_DESCRIPTION_MAX = 5000  # as the benefit form's description (benefits.catalog)


def benefit_description(benefit) -> str | None:
    """The benefit's description in the page's or message's locale (a Jinja global)."""
    return translated("benefit_description", benefit.id, benefit.description)


def check_may_translate(actor, kind: str) -> None:
    """Whoever may edit the English text of `kind` may translate it; others are refused."""
    if kind == "terms":
        terms.check_admin(actor)
    elif kind == "ask_template":
        ask_templates.may_manage_ask_templates(actor)
    elif kind == "benefit_description":
        demand(actor, "program.manage", "Only the program team edits benefits.")
    else:
        raise ValidationFailed(f"kind: Must be one of: {', '.join(TRANSLATION_KINDS)}.", "kind")


def english_text(kind: str, key) -> str:
    """The English text of (kind, key) as the program has it, or NotFound when there is no
    such terms version, activity type or benefit."""
    if kind == "terms":
        row = db.session.get(TermsVersion, key) if _whole(key) else None
        if row is None:
            raise NotFound("No such terms version.")
        return row.body_markdown or ""
    if kind == "ask_template":
        if key not in ACTIVITY_TYPES:
            raise NotFound("No such activity type.")
        return ask_templates.ask_templates()[key]
    row = db.session.get(Benefit, key) if _whole(key) else None
    if row is None:
        raise NotFound("No such benefit.")
    return row.description or ""


def _whole(key) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and 0 < key < 2**31


def _clean(kind: str, text) -> str | None:
    """The text by the rules of its English field ("" or None: no translation)."""
    if kind == "ask_template":
        clean, why = ask_templates.clean_multiline(text, ask_templates.TEMPLATE_MAX)
        if why:
            raise ValidationFailed(f"text: {why}", field="text")
        return clean or None
    maximum = terms.BODY_MAX if kind == "terms" else BENEFIT_DESCRIPTION_MAX
    c = Checker({"text": text}, allowed=("text",))
    c.text("text", max_length=maximum)
    return c.done().get("text")


def set_translation(actor, kind: str, key, locale: str, text) -> TextTranslation | None:
    """Set the `locale` text of (kind, key); empty text removes it. Returns the translation
    (None once removed). Audited as translation.saved / translation.removed; nothing is written
    when the actor may not edit the English text or the text breaks its rules."""
    check_may_translate(actor, kind)
    english_text(kind, key)
    if locale not in TRANSLATED_LOCALES:
        raise ValidationFailed(
            f"locale: Must be one of: {', '.join(TRANSLATED_LOCALES)}.", field="locale"
        )
    clean = _clean(kind, text)
    row = db.session.scalar(
        sa.select(TextTranslation)
        .where(
            TextTranslation.kind == kind,
            TextTranslation.key == str(key),
            TextTranslation.locale == locale,
        )
        .with_for_update()
    )
    facts = {"kind": kind, "key": str(key), "locale": locale}
    if clean is None:
        if row is not None:
            audit.record(actor, "translation.removed", row, {**facts, "length": len(row.text)})
            db.session.delete(row)
            db.session.flush()
        return None
    if row is not None and row.text == clean:
        return row
    if row is None:
        row = TextTranslation(kind=kind, key=str(key), locale=locale, text=clean)
        db.session.add(row)
    else:
        row.text = clean
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "translation.saved", row, {**facts, "length": len(clean)})
    return row
