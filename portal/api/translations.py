"""Translations of program texts (terms per version, ask templates, benefit descriptions): the
English text with its translation per language, and setting one. Whoever may edit the English
text may translate it."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.api.schemas.common import SentText
from portal.api.settings_terms import may_manage as may_translate_terms
from portal.errors import NotFound
from portal.extensions import db
from portal.program import terms, translations
from portal.webhooks.payloads import AnswerSchema

_LOCALES = list(translations.TRANSLATED_LOCALES)
# Whoever may edit the English text translates it (`translations.check_may_translate`).
may_translate_templates = allow(
    "settings.manage", message="Only administrators manage the program's ask templates."
)
may_translate_benefits = allow("program.manage", message="Only the program team edits benefits.")


class TranslationSchema(AnswerSchema):
    locale = fields.String(metadata={"enum": _LOCALES})
    text = fields.String(
        allow_none=True, metadata={"description": "Null: none; advocates read the English text."}
    )
    updated_at = fields.DateTime(allow_none=True)
    updated_by_id = fields.Integer(allow_none=True, metadata={"description": "A user id."})


class TranslationsSchema(AnswerSchema):
    kind = fields.String(metadata={"enum": ["terms", "ask_template", "benefit_description"]})
    key = fields.String(
        metadata={"description": "The terms version's id, the activity type or the benefit id."}
    )
    english = fields.String(metadata={"description": "The program's own text, the fallback."})
    translations = fields.List(
        fields.Nested(TranslationSchema), metadata={"description": "One per language."}
    )


class TranslationInputSchema(Schema):
    text = SentText(
        required=True,
        allow_none=True,
        metadata={
            "description": "The text in that language, by the rules of the English field "
            "(terms: Markdown, at most 100,000 characters; ask template: plain text with line "
            "breaks, at most 2,000; benefit description: at most 5,000). Empty or null removes "
            "the translation."
        },
    )


def _one(locale: str, row) -> dict:
    return {
        "locale": locale,
        "text": row.text if row is not None else None,
        "updated_at": row.updated_at if row is not None else None,
        "updated_by_id": row.updated_by_id if row is not None else None,
    }


def _answer(kind: str, key):
    saved = translations.translations_of(kind, key)
    body = {
        "kind": kind,
        "key": str(key),
        "english": translations.english_text(kind, key),
        "translations": [_one(locale, saved.get(locale)) for locale in _LOCALES],
    }
    return jsonify(TranslationsSchema().dump(body))


def _put(kind: str, key, locale: str):
    actor = api_user()
    row = translations.set_translation(actor, kind, key, locale, json_body()["text"])
    db.session.commit()
    return jsonify(TranslationSchema().dump(_one(locale, row)))


# The operations of each kind of text differ only in what they name: one docstring each.
_SHOW_DOC = """Show {what} translations.
    ---
    get:
      tags: [{tag}]
      summary: {summary}
      responses:
        200:
          description: The English text and the translations.
          content:
            application/json:
              schema: TranslationsSchema
        404: NotFound
    """
_SET_DOC = """Set {what} translation.
    ---
    put:
      tags: [{tag}]
      summary: {summary}
      responses:
        200:
          description: The translation after the change.
          content:
            application/json:
              schema: TranslationSchema
        404: NotFound
    """


def _terms_id(actor, version: str) -> int:
    """The id of the draft ("draft") or of the published version of that name."""
    if version == "draft":
        draft = terms.get_draft(actor)
        if draft is None:
            raise NotFound("There is no draft: PUT one first.")
        return draft.id
    return terms.get_published(actor, version).id


@bp.get("/settings/terms/<version>/translations")
@may_translate_terms
def get_terms_translations(version: str):
    actor = api_user()
    return _answer("terms", _terms_id(actor, version))


get_terms_translations.__doc__ = _SHOW_DOC.format(
    what="a terms version's",
    tag="settings",
    summary=(
        "The Markdown of a published version (or of the draft, with `draft`) and its "
        "translation per language. Administrators only."
    ),
)


@bp.put("/settings/terms/<version>/translations/<locale>")
@may_translate_terms
@takes(TranslationInputSchema)
def put_terms_translation(version: str, locale: str):
    return _put("terms", _terms_id(api_user(), version), locale)


put_terms_translation.__doc__ = _SET_DOC.format(
    what="a terms version's",
    tag="settings",
    summary=(
        "Set (or, empty, remove) the text of a terms version (or of the draft, with `draft`) "
        "in one language. A translation belongs to that version's text; advocates still "
        "accept the version, whatever its language. Audited. Administrators only."
    ),
)


@bp.get("/settings/ask-templates/<activity_type>/translations")
@may_translate_templates
def get_ask_template_translations(activity_type: str):
    return _answer("ask_template", activity_type)


get_ask_template_translations.__doc__ = _SHOW_DOC.format(
    what="an ask template's",
    tag="settings",
    summary=(
        "The ask template of an activity type and its translation per language. "
        "Administrators only."
    ),
)


@bp.put("/settings/ask-templates/<activity_type>/translations/<locale>")
@may_translate_templates
@takes(TranslationInputSchema)
def put_ask_template_translation(activity_type: str, locale: str):
    return _put("ask_template", activity_type, locale)


put_ask_template_translation.__doc__ = _SET_DOC.format(
    what="an ask template's",
    tag="settings",
    summary=(
        "Set (or, empty, remove) the ask template of an activity type in one language; "
        "advocates who read that language get it with their asks. Audited. Administrators "
        "only."
    ),
)


@bp.get("/benefits/<int:benefit_id>/translations")
@may_translate_benefits
def get_benefit_translations(benefit_id: int):
    return _answer("benefit_description", benefit_id)


get_benefit_translations.__doc__ = _SHOW_DOC.format(
    what="a benefit description's",
    tag="benefits",
    summary=("A benefit's description and its translation per language. The program team only."),
)


@bp.put("/benefits/<int:benefit_id>/translations/<locale>")
@may_translate_benefits
@takes(TranslationInputSchema)
def put_benefit_translation(benefit_id: int, locale: str):
    return _put("benefit_description", benefit_id, locale)


put_benefit_translation.__doc__ = _SET_DOC.format(
    what="a benefit description's",
    tag="benefits",
    summary=(
        "Set (or, empty, remove) a benefit's description in one language; advocates who read "
        "that language see it in the catalog. Audited. The program team only."
    ),
)
