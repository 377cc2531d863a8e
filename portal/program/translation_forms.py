"""The translations pages' form: one text in one language (checked by the service)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField


class TranslationForm(FlaskForm):
    """Made with `prefix=<locale>`, so a page holds one per language with distinct field ids."""

    text = TextAreaField("Translation", render_kw={"rows": 6})
