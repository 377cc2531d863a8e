"""Nomination forms: they shape the input; nominations.service words the messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import MultiCheckboxField, Required, blank_to_none
from portal.vocab import ACTIVITY_TYPES, choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NominateForm(FlaskForm):
    account = StringField(
        _l("Customer account"),
        validators=[Required()],
        filters=[_strip],
        render_kw={"list": "account-names", "autocomplete": "off"},
        description=_l("Start typing the company's name and pick it from the list."),
    )
    name = StringField(_l("Contact's name"), validators=[Required()], filters=[_strip])
    email = EmailField(_l("Contact's work e-mail"), validators=[Required()], filters=[_strip])
    title = StringField(_l("Job title"), filters=[blank_to_none])
    reason = TextAreaField(
        _l("Why would they be a good advocate?"),
        validators=[Required()],
        filters=[blank_to_none],
        render_kw={"rows": 4},
        description=_l(
            "What they achieved with us, what they'd talk about. The account's "
            "customer success manager and the program team read this."
        ),
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
        _l("Why should the program not invite them?"),
        validators=[Required()],
        filters=[blank_to_none],
        render_kw={"rows": 3},
        description=_l(
            "The program team reads this and decides; the nominator sees only that "
            "the nomination is on hold."
        ),
    )


class DecideObjectionForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        filters=[blank_to_none],
        render_kw={"rows": 2},
        description=_l("Required to overrule: why the program goes ahead."),
    )


class SelfNominationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Required()], filters=[_strip])
    email = EmailField(
        _l("Work e-mail"),
        validators=[Required()],
        filters=[_strip],
        description=_l("We send you a link to confirm it."),
    )
    company = StringField(_l("Company"), validators=[Required()], filters=[_strip])
    title = StringField(_l("Job title"), filters=[blank_to_none])
    activity_types = MultiCheckboxField(
        _l("What would you be willing to do?"),
        choices=choices(ACTIVITY_TYPES),
        validate_choice=False,
    )
    consent = BooleanField(
        _l("The program team may contact me about becoming a customer advocate."),
        validators=[Required()],
    )
    # Left empty by people (hidden); bots fill every field.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off"})

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
        _l("Account"),
        validators=[Required()],
        filters=[_strip],
        render_kw={"list": "account-names", "autocomplete": "off"},
    )


class NominationSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Public self-nomination page on"))
    objection_days = IntegerField(
        _l("Days the account's CSM may object"),
        validators=[Optional()],
        description=_l("1 to 30 days after another team's nomination."),
    )
