"""Forms of the administrators' terms pages (program/terms_views.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.program.terms import BODY_MAX, VERSION_HELP, VERSION_MAX


class TermsDraftForm(FlaskForm):
    body_markdown = TextAreaField(
        "Terms text (Markdown)",
        validators=[InputRequired(), Length(max=BODY_MAX)],
        description="Headings start with ##, lists with -, links are [words](https://...). "
        "HTML and scripts are removed when the text is shown.",
        render_kw={"rows": 22, "spellcheck": "true"},
    )
    preview = SubmitField("Preview")
    save = SubmitField("Save draft")


class PublishTermsForm(FlaskForm):
    version = StringField(
        "New version name",
        validators=[InputRequired(), Length(max=VERSION_MAX)],
        description=f"For example 2027-01. {VERSION_HELP} Advocates see it with the terms.",
        render_kw={"maxlength": VERSION_MAX, "autocomplete": "off"},
    )
