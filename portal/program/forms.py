"""Forms of the program's settings pages. Fields carry text; the policy service checks every
value and names the field, so each rule is written once for the page and the API."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from portal.forms import MultiCheckboxField, Required, blank_to_none, id_or_raw
from portal.program.policy import NAME_MAX, SENDER_MAX, WEIGHT_KINDS, WEIGHT_MAX
from portal.vocab import ACTIVITY_TYPES, PROFILE_SIDES, label

WEIGHT_LABELS = {**PROFILE_SIDES, "custom": "Custom field (each one asked for)"}


def per_activity_type_form(name: str, maximum: int) -> type[FlaskForm]:
    """A form of one whole number (0 to `maximum`) per activity type, each labelled with the
    type: points earned, lead time in working days."""
    fields = {
        activity_type: IntegerField(
            label(activity_type), validators=[InputRequired(), NumberRange(min=0, max=maximum)]
        )
        for activity_type in ACTIVITY_TYPES
    }
    return type(name, (FlaskForm,), fields)


def number_or_raw(value):
    """A number typed in a field as int or float; anything else goes to the service as is
    (which names the problem); blank is None."""
    value = blank_to_none(value)
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    return number if number == number and abs(number) != float("inf") else value


def _number(text: str, description: str | None = None, required: bool = False) -> StringField:
    return StringField(
        text,
        validators=[Required()] if required else [],
        filters=[number_or_raw],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


class ProgramPolicyForm(FlaskForm):
    """The program policy page: every section is saved together (or nothing is)."""

    program_name = StringField(
        "Program name",
        filters=[blank_to_none],
        description=f"Shown on every page, in e-mails and calendar invites; at most {NAME_MAX} "
        "characters. Leave empty for the installation's default.",
        render_kw={"maxlength": NAME_MAX},
    )
    sender_name = StringField(
        "Sender name",
        filters=[blank_to_none],
        description="The name e-mails come from, with the configured address; at most "
        f"{SENDER_MAX} characters. Leave empty to use the configured sender as it is.",
        render_kw={"maxlength": SENDER_MAX},
    )
    default_max_per_month = _number("Asks per month", required=True)
    default_max_per_quarter = _number("Asks per quarter", required=True)
    default_max_per_year = _number("Asks per year", required=True)
    default_min_days_between = _number(
        "Days between asks (cooldown)", "Days after an ask before the next one.", required=True
    )
    account_max_per_month = _number(
        "Asks per account per month", "All contacts of one account together; empty: no cap."
    )
    account_max_per_quarter = _number("Asks per account per quarter", "Empty: no cap.")
    account_min_nps = _number(
        "Minimum account NPS", "Accounts with a lower NPS are not asked (-100 to 100); empty: off."
    )
    csm_veto_hours = _number(
        "CSM veto window (hours)",
        "Hours the account's customer success manager may stop an ask before the advocate hears "
        "of it (1 to 168); empty: off.",
    )
    respond_within_days = _number(
        "Days to answer an ask", "1 to 60 days after the ask is placed.", required=True
    )
    ask_reminder_days = _number(
        "Reminder before the answer time ends (days)",
        "0 to the days to answer; empty: the installation's default.",
    )
    self_service_activity_types = MultiCheckboxField(
        "Requesters ask advocates themselves for",
        choices=[SelectChoice(t, label(t)) for t in ACTIVITY_TYPES],
        description="Other activity types go through the reference team.",
    )
    points_expiry_months = _number(
        "Points expire after (months)", "1 to 120 months after they were earned; empty: never."
    )
    sample_request = SelectField(
        "Sample request", coerce=id_or_raw, validate_choice=False, choices=[]
    )

    def weight_fields(self):
        return [self[f"weight_{kind}"] for kind in WEIGHT_KINDS]


for _kind in WEIGHT_KINDS:
    setattr(
        ProgramPolicyForm,
        f"weight_{_kind}",
        StringField(
            WEIGHT_LABELS[_kind],
            validators=[Required()],
            filters=[number_or_raw],
            description=f"0 to {WEIGHT_MAX}",
            render_kw={"inputmode": "decimal", "data-weight": _kind},
        ),
    )
