"""Forms of the benefits pages: values go to the service as sent; it names what is wrong."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.accounts import lookup
from portal.accounts.lookup_fields import LookupListField
from portal.benefits.catalog import BENEFIT_FIELDS
from portal.benefits.claims import detail_fields
from portal.benefits.models import ELIGIBILITY_RULES
from portal.forms import Required, blank_to_none
from portal.vocab import BENEFIT_KINDS, choices

ELIGIBILITY_WORDS = {
    "everyone": "Every active advocate",
    "min_completed": "Advocates with at least N completed activities",
    "chosen": "Only the advocates chosen below",
}


def _number(value):
    """A whole number as int; anything else goes to the service as sent, which says why."""
    value = blank_to_none(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


class BenefitForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(BENEFIT_KINDS), validators=[Required()])
    title = StringField(_l("Title"), validators=[Required()], filters=[blank_to_none])
    description = TextAreaField(_l("Description"), filters=[blank_to_none])
    event_date = StringField(_l("Event date"), render_kw={"type": "date"}, filters=[blank_to_none])
    location = StringField(_l("Place"), filters=[blank_to_none])
    capacity = StringField(
        _l("Capacity"),
        filters=[_number],
        render_kw={"inputmode": "numeric"},
        description=_l("Places; leave empty for unlimited."),
    )
    points_cost = StringField(
        _l("Points cost"),
        filters=[_number],
        render_kw={"inputmode": "numeric"},
        description=_l("0 for free."),
    )
    claim_deadline = StringField(
        _l("Claim deadline"),
        render_kw={"type": "date"},
        filters=[blank_to_none],
        description=_l("Last day to claim; on or before the event."),
    )
    requires_approval = BooleanField(_l("A manager approves each claim"))
    eligibility = SelectField(
        _l("Who may claim"),
        choices=[SelectChoice(k, ELIGIBILITY_WORDS[k]) for k in ELIGIBILITY_RULES],
    )
    min_completed = StringField(
        _l("Completed activities needed"), filters=[_number], render_kw={"inputmode": "numeric"}
    )
    # Only the chosen ones are on the page; more are added by name (active advocates only).
    allowed_advocate_ids = LookupListField(
        _l("Chosen advocates"),
        resolve=functools.partial(lookup.resolve_advocate, active_only=True),
        labels=lookup.advocate_labels,
        endpoint="lookup.advocates",
        endpoint_args={"active": "1"},
    )

    def to_data(self) -> dict:
        data = {name: self[name].data for name in BENEFIT_FIELDS}
        if data["points_cost"] is None:
            data["points_cost"] = 0
        return data


class ClaimForm(FlaskForm):
    talk_title = StringField(_l("Talk title"), filters=[blank_to_none])
    abstract = TextAreaField(
        _l("Abstract"),
        filters=[blank_to_none],
        description=_l("A few sentences: what people learn."),
    )
    statement = TextAreaField(
        _l("Short statement"),
        filters=[blank_to_none],
        description=_l("Why you want a seat and what you would bring."),
    )
    note = TextAreaField(_l("Note to the team (optional)"), filters=[blank_to_none])

    def fields_for(self, kind: str):
        """The form's fields this kind of benefit asks for, marked required where needed."""
        shown = []
        for name, _, _, required in detail_fields(kind):
            field = self[name]
            field.flags.required = required
            shown.append(field)
        return shown

    def to_data(self, kind: str) -> dict:
        return {
            name: self[name].data for name, *_ in detail_fields(kind) if self[name].data is not None
        }


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note to the advocate (optional)"), filters=[blank_to_none])


class AdjustForm(FlaskForm):
    delta = StringField(
        _l("Points"),
        validators=[Required()],
        filters=[_number],
        description=_l("Positive to add, negative to take away, such as 50 or -20."),
    )
    memo = StringField(_l("Why"), validators=[Required()], filters=[blank_to_none])
