"""The translations pages (blueprint `translations_admin`): next to where each English text is
edited, one form per language for the terms of a version, an ask template, a benefit's
description. The English text stays the program's own and is edited where it always was."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.benefits.models import Benefit
from portal.boundary import REFUSED, commit_or_show
from portal.extensions import db
from portal.program import translations
from portal.program.terms_models import TermsVersion
from portal.program.translation_forms import TranslationForm
from portal.vocab import ACTIVITY_TYPES, label

bp = Blueprint("translations_admin", __name__)


def _english(kind: str, key) -> str:
    return translations.english_text(kind, key)


def _locale(locale: str) -> str:
    if locale not in translations.TRANSLATED_LOCALES:
        abort(404)
    return locale


def _page(kind, key, *, title, back, post_endpoint, post_args, posted=None, status=200):
    """The English text and one form per language (`posted`: the form just refused)."""
    english = _english(kind, key)
    saved = translations.translations_of(kind, key)
    forms = {}
    for locale in translations.TRANSLATED_LOCALES:
        if posted is not None and posted._prefix == f"{locale}-":
            forms[locale] = posted
        else:
            row = saved.get(locale)
            forms[locale] = TranslationForm(
                formdata=None, prefix=locale, data={"text": row.text if row else ""}
            )
    return render_template(
        "admin/translations.html",
        kind=kind,
        title=title,
        back=back,
        english=english,
        forms=forms,
        saved=saved,
        locales=translations.TRANSLATED_LOCALES,
        action=lambda locale: url_for(post_endpoint, locale=locale, **post_args),
    ), status


def _save(kind, key, locale, page):
    """Save the posted translation and go back to the page, or show it again with why."""
    form = TranslationForm(prefix=locale)
    if form.validate_on_submit():
        result = commit_or_show(
            translations.set_translation,
            current_user,
            kind,
            key,
            locale,
            form.text.data,
            form=form,
            fallback="text",
        )
        if result is not REFUSED:
            name = translations.TRANSLATED_LOCALES[locale]
            flash(
                f"Saved the {name} text." if result is not None else f"Removed the {name} text.",
                "success",
            )
            return None
    return page(posted=form, status=422)


# The terms of one version (the draft or a published one) --------------------------------------


def _terms_page(version_id: int, **kwargs):
    row = db.session.get(TermsVersion, version_id) or abort(404)
    name = f"version {row.version}" if row.version else "the draft"
    return _page(
        "terms",
        version_id,
        title=f"Translations of the program terms, {name}",
        back=url_for("terms_admin.index"),
        post_endpoint="translations_admin.save_terms",
        post_args={"version_id": version_id},
        **kwargs,
    )


@bp.get("/admin/settings/terms/translations/<int:version_id>")
@require("users.manage")
def terms_page(version_id: int):
    return _terms_page(version_id)


@bp.post("/admin/settings/terms/translations/<int:version_id>/<locale>")
@require("users.manage")
def save_terms(version_id: int, locale: str):
    _english("terms", version_id)
    refused = _save(
        "terms", version_id, _locale(locale), lambda **kw: _terms_page(version_id, **kw)
    )
    return refused or redirect(url_for("translations_admin.terms_page", version_id=version_id))


# One activity type's ask template ----------------------------------------------------------------


def _ask_template_page(activity_type: str, **kwargs):
    if activity_type not in ACTIVITY_TYPES:
        abort(404)
    return _page(
        "ask_template",
        activity_type,
        title=f"Translations of the ask template for {label(activity_type).lower()}",
        back=url_for("settings.ask_templates"),
        post_endpoint="translations_admin.save_ask_template",
        post_args={"activity_type": activity_type},
        **kwargs,
    )


@bp.get("/admin/settings/ask-templates/<activity_type>/translations")
@require("users.manage")
def ask_template_page(activity_type: str):
    return _ask_template_page(activity_type)


@bp.post("/admin/settings/ask-templates/<activity_type>/translations/<locale>")
@require("users.manage")
def save_ask_template(activity_type: str, locale: str):
    _english("ask_template", activity_type)
    refused = _save(
        "ask_template",
        activity_type,
        _locale(locale),
        lambda **kw: _ask_template_page(activity_type, **kw),
    )
    return refused or redirect(
        url_for("translations_admin.ask_template_page", activity_type=activity_type)
    )


# One benefit's description ----------------------------------------------------------------------


def _benefit_page(benefit_id: int, **kwargs):
    benefit = db.session.get(Benefit, benefit_id) or abort(404)
    return _page(
        "benefit_description",
        benefit_id,
        title=f"Translations of the description of {benefit.title}",
        back=url_for("benefits_admin.detail", benefit_id=benefit_id),
        post_endpoint="translations_admin.save_benefit",
        post_args={"benefit_id": benefit_id},
        **kwargs,
    )


@bp.get("/program/benefits/<int:benefit_id>/translations")
@require("program.manage")
def benefit_page(benefit_id: int):
    return _benefit_page(benefit_id)


@bp.post("/program/benefits/<int:benefit_id>/translations/<locale>")
@require("program.manage")
def save_benefit(benefit_id: int, locale: str):
    _english("benefit_description", benefit_id)
    refused = _save(
        "benefit_description",
        benefit_id,
        _locale(locale),
        lambda **kw: _benefit_page(benefit_id, **kw),
    )
    return refused or redirect(url_for("translations_admin.benefit_page", benefit_id=benefit_id))
