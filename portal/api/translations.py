"""Translations of program texts (terms per version, ask templates, benefit descriptions): the
English text with its translation per language, and setting one. Whoever may edit the English
text may translate it."""

from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, only_fields
from portal.api.schemas import AnswerSchema
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.program import terms, translations

_LOCALES = list(translations.TRANSLATED_LOCALES)


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


class TranslationInputSchema(AnswerSchema):
    text = fields.String(
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
    translations.check_may_translate(actor, kind)
    data = json_body()
    only_fields(data, ("text",))
    if "text" not in data:
        raise ValidationFailed("text: This field is required.", field="text")
    row = translations.set_translation(actor, kind, key, locale, data["text"])
    db.session.commit()
    return jsonify(TranslationSchema().dump(_one(locale, row)))


def _terms_id(actor, version: str) -> int:
    """The id of the draft ("draft") or of the published version of that name."""
    if version == "draft":
        draft = terms.get_draft(actor)
        if draft is None:
            raise NotFound("There is no draft: PUT one first.")
        return draft.id
    return terms.get_published(actor, version).id


@bp.get("/settings/terms/<version>/translations")
def get_terms_translations(version: str):
    """Show a terms version's translations.
    ---
    get:
      tags: [settings]
      summary: The Markdown of a published version (or of the draft, with `draft`) and its
        translation per language. Administrators only.
      responses:
        200:
          description: The English text and the translations.
          content:
            application/json:
              schema: TranslationsSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = api_user()
    return _answer("terms", _terms_id(actor, version))


@bp.put("/settings/terms/<version>/translations/<locale>")
def put_terms_translation(version: str, locale: str):
    """Set a terms version's translation.
    ---
    put:
      tags: [settings]
      summary: Set (or, empty, remove) the text of a terms version (or of the draft, with
        `draft`) in one language. A translation belongs to that version's text; advocates still
        accept the version, whatever its language. Audited. Administrators only.
      requestBody:
        required: true
        content:
          application/json:
            schema: TranslationInputSchema
      responses:
        200:
          description: The translation after the change.
          content:
            application/json:
              schema: TranslationSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        422: Invalid
    """
    actor = api_user()
    terms.check_admin(actor)
    return _put("terms", _terms_id(actor, version), locale)


@bp.get("/settings/ask-templates/<activity_type>/translations")
def get_ask_template_translations(activity_type: str):
    """Show an ask template's translations.
    ---
    get:
      tags: [settings]
      summary: The ask template of an activity type and its translation per language.
        Administrators only.
      responses:
        200:
          description: The English text and the translations.
          content:
            application/json:
              schema: TranslationsSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    translations.check_may_translate(api_user(), "ask_template")
    return _answer("ask_template", activity_type)


@bp.put("/settings/ask-templates/<activity_type>/translations/<locale>")
def put_ask_template_translation(activity_type: str, locale: str):
    """Set an ask template's translation.
    ---
    put:
      tags: [settings]
      summary: Set (or, empty, remove) the ask template of an activity type in one language;
        advocates who read that language get it with their asks. Audited. Administrators only.
      requestBody:
        required: true
        content:
          application/json:
            schema: TranslationInputSchema
      responses:
        200:
          description: The translation after the change.
          content:
            application/json:
              schema: TranslationSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        422: Invalid
    """
    return _put("ask_template", activity_type, locale)


@bp.get("/benefits/<int:benefit_id>/translations")
def get_benefit_translations(benefit_id: int):
    """Show a benefit description's translations.
    ---
    get:
      tags: [benefits]
      summary: A benefit's description and its translation per language. The program team
        only.
      responses:
        200:
          description: The English text and the translations.
          content:
            application/json:
              schema: TranslationsSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    translations.check_may_translate(api_user(), "benefit_description")
    return _answer("benefit_description", benefit_id)


@bp.put("/benefits/<int:benefit_id>/translations/<locale>")
def put_benefit_translation(benefit_id: int, locale: str):
    """Set a benefit description's translation.
    ---
    put:
      tags: [benefits]
      summary: Set (or, empty, remove) a benefit's description in one language; advocates who
        read that language see it in the catalog. Audited. The program team only.
      requestBody:
        required: true
        content:
          application/json:
            schema: TranslationInputSchema
      responses:
        200:
          description: The translation after the change.
          content:
            application/json:
              schema: TranslationSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        422: Invalid
    """
    return _put("benefit_description", benefit_id, locale)
