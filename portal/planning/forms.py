"""Planning forms: they shape the input; planning.needs and planning.initiatives check it and
word the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.forms import Required, id_or_raw, text_or_empty
from portal.planning.models import INITIATIVE_KINDS, PLANNING_TEAMS
from portal.program.service import taxonomy_choices
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, choices, label


def _text(value) -> str | None:
    # A field not sent keeps the record's value (a date on an edit form): as text.
    return str(value or "").strip() or None


class NeedForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[Required()],
        description="What the references are for, e.g. 'Q1 launch: banking references'.",
    )
    activity_type = SelectField(
        "Activity",
        choices=choices(ACTIVITY_TYPES, blank="Choose an activity"),
        validators=[Required()],
        coerce=text_or_empty,
        validate_choice=False,
    )
    count_needed = IntegerField(
        "How many", validators=[Optional(), Required()], description="Activities needed, 1 or more."
    )
    needed_by = StringField(
        "Needed by",
        validators=[Optional(), Required()],
        render_kw={"type": "date"},
        description="The need counts in this date's month.",
    )
    initiative_id = SelectField("Initiative", coerce=text_or_empty, validate_choice=False)
    target_id = SelectField("Program target", coerce=text_or_empty, validate_choice=False)
    industry = SelectField("Industry", coerce=text_or_empty, validate_choice=False)
    segment = SelectField(
        "Segment",
        choices=choices(SEGMENTS, blank="Any segment"),
        coerce=text_or_empty,
        validate_choice=False,
    )
    region = SelectField(
        "Region",
        choices=choices(REGIONS, blank="Any region"),
        coerce=text_or_empty,
        validate_choice=False,
    )
    product = SelectField("Product", coerce=text_or_empty, validate_choice=False)
    owner_id = SelectField("Owner", coerce=text_or_empty, validate_choice=False)
    owner_team = SelectField(
        "Team",
        coerce=text_or_empty,
        validate_choice=False,
        description="The team that needs the references.",
    )
    notes = TextAreaField("Notes", validators=[Optional()], render_kw={"rows": 3})

    def __init__(self, *args, initiatives=(), targets=(), owners=None, target_label=str, **kwargs):
        super().__init__(*args, **kwargs)
        need = kwargs.get("obj")
        self.industry.choices = taxonomy_choices(
            "industry", blank="Any industry", keep=getattr(need, "industry", None)
        )
        self.product.choices = taxonomy_choices(
            "product", blank="Any product", keep=getattr(need, "product", None)
        )
        self.initiative_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(str(i.id), i.name) for i in initiatives
        ]
        self.target_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(str(t.id), target_label(t)) for t in targets
        ]
        self.owner_team.choices = [SelectChoice("", "My team")] + [
            SelectChoice(team, "Program team" if team == "program" else label(team))
            for team in PLANNING_TEAMS
        ]
        if owners is None:
            del self.owner_id  # requesters and CSMs own what they plan
        else:
            self.owner_id.choices = [SelectChoice("", "Me")] + [
                SelectChoice(str(u.id), u.name) for u in owners
            ]

    def to_data(self) -> dict:
        data = {
            "title": _text(self.title.data),
            "activity_type": self.activity_type.data or None,
            "count_needed": self.count_needed.data,
            "needed_by": _text(self.needed_by.data),
            "initiative_id": id_or_raw(self.initiative_id.data),
            "target_id": id_or_raw(self.target_id.data),
            "industry": self.industry.data or None,
            "segment": self.segment.data or None,
            "region": self.region.data or None,
            "product": self.product.data or None,
            "owner_team": self.owner_team.data or None,
            "notes": _text(self.notes.data),
        }
        if "owner_id" in self:
            data["owner_id"] = id_or_raw(self.owner_id.data)
        return data


class InitiativeForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=choices(INITIATIVE_KINDS),
        coerce=text_or_empty,
        validate_choice=False,
        validators=[Required()],
    )
    name = StringField("Name", validators=[Required()])
    description = TextAreaField("Description", validators=[Optional()], render_kw={"rows": 3})
    starts_on = StringField("Starts", validators=[Optional()], render_kw={"type": "date"})
    ends_on = StringField("Ends", validators=[Optional()], render_kw={"type": "date"})

    def to_data(self) -> dict:
        return {
            "kind": self.kind.data or None,
            "name": _text(self.name.data),
            "description": _text(self.description.data),
            "starts_on": _text(self.starts_on.data),
            "ends_on": _text(self.ends_on.data),
        }
