"""Opportunity forms: they shape the input; opportunities.service checks it and words the
messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError

from portal.asks.forms import RawDateField
from portal.forms import Required, blank_to_none, text_or_empty
from portal.opportunities import service
from portal.vocab import OPPORTUNITY_OUTCOMES, STAGE_GROUPS, choices

FIELDS = service.FIELDS  # the service decides which fields a deal has


class OpportunityForm(FlaskForm):
    """A deal's fields as the reference team edits them (the CRM id stays)."""

    name = StringField("Opportunity name", validators=[Required()])
    account_name = StringField(
        "Account",
        validators=[Optional()],
        description="The company the deal is with, as the CRM names it.",
    )
    account_crm_id = StringField(
        "Account CRM id",
        validators=[Optional()],
        description="Links the deal to the program's account with this CRM id.",
    )
    amount = StringField(
        "Amount", validators=[Optional()], description="In whole currency units, such as 250000."
    )
    currency = StringField(
        "Currency",
        default="USD",
        validators=[Optional()],
        description="Three-letter ISO code, such as USD or EUR.",
    )
    stage = StringField(
        "Stage", validators=[Optional()], description="As your CRM names it, such as Proposal."
    )
    stage_group = SelectField(
        "Stage group",
        choices=choices(STAGE_GROUPS, blank="Not set"),
        validate_choice=False,
        coerce=text_or_empty,
        description="Where an open deal is; reports group deals by it.",
    )
    opened_on = RawDateField("Opened on", validators=[Optional()])
    close_date = RawDateField("Close date", validators=[Optional()])
    outcome = SelectField(
        "Outcome",
        choices=choices(OPPORTUNITY_OUTCOMES),
        default="open",
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    owner_email = StringField(
        "Owner's e-mail",
        validators=[Optional()],
        description="The seller who owns the deal in the CRM; they see it and may file for it.",
    )

    def validate_outcome(self, field) -> None:
        # A deal always has an outcome: a partial check in the service lets a blank reach the
        # database's NOT NULL column, so the form names it first.
        if not (field.data or "").strip():
            raise ValidationError("This field is required.")

    def to_data(self) -> dict:
        """The plain dict the service takes."""
        return {name: blank_to_none(self[name].data) for name in FIELDS}


class NewOpportunityForm(OpportunityForm):
    """A deal the reference team adds by hand (one the CRM import has not brought yet)."""

    crm_id = StringField(
        "CRM id",
        validators=[Required()],
        description="The opportunity's id in the CRM, such as 0065g00000AbCdE.",
    )

    def validate_crm_id(self, field) -> None:
        value = (field.data or "").strip()
        if service.CRM_ID.fullmatch(value) and service.find(value) is not None:
            raise ValidationError("An opportunity with this CRM id exists already; edit it.")
