"""Nomination forms: they shape the input; nominations.service words the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import MultiCheckboxField, Required, blank_to_none
from portal.vocab import ACTIVITY_TYPES, choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NominateForm(FlaskForm):
    account = StringField(
        "Customer account",
        validators=[Required()],
        filters=[_strip],
        render_kw={"list": "account-names", "autocomplete": "off"},
        description="Start typing the company's name and pick it from the list.",
    )
    name = StringField("Contact's name", validators=[Required()], filters=[_strip])
    email = EmailField("Contact's work e-mail", validators=[Required()], filters=[_strip])
    title = StringField("Job title", filters=[blank_to_none])
    reason = TextAreaField(
        "Why would they be a good advocate?",
        validators=[Required()],
        filters=[blank_to_none],
        render_kw={"rows": 4},
        description="What they achieved with us, what they'd talk about. The account's "
        "customer success manager and the program team read this.",
    )

    def to_data(self) -> dict:
        return {
            "account": self.account.data,
            "name": self.name.data,
            "email": self.email.data,
            "title": self.title.data,
            "reason": self.reason.data,
        }


class ObjectionForm(FlaskForm):
    reason = TextAreaField(
        "Why should the program not invite them?",
        validators=[Required()],
        filters=[blank_to_none],
        render_kw={"rows": 3},
        description="The program team reads this and decides; the nominator sees only that "
        "the nomination is on hold.",
    )


class DecideObjectionForm(FlaskForm):
    note = TextAreaField(
        "Note",
        filters=[blank_to_none],
        render_kw={"rows": 2},
        description="Required to overrule: why the program goes ahead.",
    )


class SelfNominationForm(FlaskForm):
    name = StringField("Your name", validators=[Required()], filters=[_strip])
    email = EmailField(
        "Work e-mail",
        validators=[Required()],
        filters=[_strip],
        description="We send you a link to confirm it.",
    )
    company = StringField("Company", validators=[Required()], filters=[_strip])
    title = StringField("Job title", filters=[blank_to_none])
    activity_types = MultiCheckboxField(
        "What would you be willing to do?",
        choices=choices(ACTIVITY_TYPES),
        validate_choice=False,
    )
    consent = BooleanField(
        "The program team may contact me about becoming a customer advocate.",
        validators=[Required()],
    )
    # Left empty by people (hidden); bots fill every field.
    website = StringField("Leave this field empty", render_kw={"autocomplete": "off"})

    def to_data(self) -> dict:
        return {
            "name": self.name.data,
            "email": self.email.data,
            "company": self.company.data,
            "title": self.title.data,
            "activity_types": list(self.activity_types.data or []),
            "consent": bool(self.consent.data),
        }


class ConfirmForm(FlaskForm):
    """A button: only pressing it spends the link (mail scanners fetch links)."""


class AttachForm(FlaskForm):
    account = StringField(
        "Account",
        validators=[Required()],
        filters=[_strip],
        render_kw={"list": "account-names", "autocomplete": "off"},
    )


class NominationSettingsForm(FlaskForm):
    enabled = BooleanField("Public self-nomination page on")
    objection_days = IntegerField(
        "Days the account's CSM may object",
        validators=[Optional()],
        description="1 to 30 days after another team's nomination.",
    )
