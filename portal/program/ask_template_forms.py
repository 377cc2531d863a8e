"""The ask templates page's form: one text per activity type, checked by the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from portal.program.ask_templates import TEMPLATE_MAX
from portal.vocab import ACTIVITY_TYPES, label


def _fields() -> dict[str, TextAreaField]:
    return {
        activity_type: TextAreaField(
            label(activity_type), render_kw={"rows": 4, "maxlength": TEMPLATE_MAX}
        )
        for activity_type in ACTIVITY_TYPES
    }


AskTemplatesForm = type("AskTemplatesForm", (FlaskForm,), _fields())
