"""Forms of the administrators' taxonomy pages (program/taxonomy_views.py). The service checks
every value and names the field; these only carry them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from portal.forms import Required, text_or_empty
from portal.program import taxonomy


class KindForm(FlaskForm):
    label = StringField(
        "Name",
        validators=[Required()],
        description="Plural, as the menu shows it: Job functions, Competitors replaced.",
        render_kw={"maxlength": taxonomy.LABEL_MAX},
    )
    key = StringField(
        "Stored key",
        description="Lower-case letters, digits and _, such as job_function; left empty, it is "
        "made from the name. It can't change later.",
        render_kw={"maxlength": taxonomy.KEY_MAX, "autocomplete": "off"},
    )


class KindLabelForm(FlaskForm):
    label = StringField(
        "Name", validators=[Required()], render_kw={"maxlength": taxonomy.LABEL_MAX}
    )


def _group_choices(kind: str, term=None) -> list[SelectChoice]:
    """'No group' and the active terms of `kind` that may take members."""
    options = [SelectChoice("", "No group")]
    for each in taxonomy.terms(kind):
        if each.active and each.group_id is None and (term is None or each.id != term.id):
            options.append(SelectChoice(str(each.id), each.label))
    return options


class TermForm(FlaskForm):
    label = StringField(
        "Label",
        validators=[Required()],
        description="The words people read on forms and lists.",
        render_kw={"maxlength": taxonomy.LABEL_MAX},
    )
    value = StringField(
        "Stored value",
        description="Lower-case letters, digits and _; left empty, it is made from the label. "
        "It can't change later (the API and exports use it).",
        render_kw={"maxlength": taxonomy.VALUE_MAX, "autocomplete": "off"},
    )
    group_id = SelectField(
        "Part of group",
        coerce=text_or_empty,
        validate_choice=False,
        description="A requester may ask for the whole group: matching reads it as any of its "
        "members.",
    )

    def __init__(self, *args, kind: str, term=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = _group_choices(kind, term)


class TermEditForm(TermForm):
    value = None  # the stored value stays: only the label changes


class MergeForm(FlaskForm):
    into = SelectField(
        "Merge into",
        coerce=text_or_empty,
        validate_choice=False,
        validators=[Required()],
        description="Every account, advocate, request, content asset and target that uses "
        "this term moves to the one you pick; this term is then retired.",
    )

    def __init__(self, *args, kind: str, term, **kwargs):
        super().__init__(*args, **kwargs)
        self.into.choices = [SelectChoice("", "Choose a term")] + [
            SelectChoice(str(each.id), each.label)
            for each in taxonomy.terms(kind)
            if each.active and each.id != term.id
        ]


class MoveForm(FlaskForm):
    direction = HiddenField()
