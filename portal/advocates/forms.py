"""Advocate forms: they shape the input; advocates.service checks it and words the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.accounts.forms import Required, blank_to_none, id_or_raw, text_or_empty
from portal.program.service import taxonomy_choices
from portal.vocab import ACTIVITY_TYPES, ADVOCATE_STATUSES, CONTACT_CHANNELS, SENIORITIES, choices

# Offered in the time zone field's list; any IANA name is accepted.
COMMON_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
)

TEXT_FIELDS = (
    "name",
    "email",
    "title",
    "seniority",
    "timezone",
    "bio",
    "nomination_reason",
    "preferred_contact",
)
MULTI_HELP = "Hold Ctrl (Cmd on a Mac) to pick several."


class AdvocateForm(FlaskForm):
    account_id = SelectField(
        "Account", validators=[Required()], validate_choice=False, coerce=text_or_empty
    )
    name = StringField("Name", validators=[Required()])
    email = EmailField(
        "E-mail",
        validators=[Required()],
        description="Their work address; it is also how they sign in to the portal.",
    )
    title = StringField("Job title", validators=[Optional()])
    seniority = SelectField(
        "Seniority",
        choices=choices(SENIORITIES, blank="Not known"),
        validate_choice=False,
        coerce=text_or_empty,
    )
    status = SelectField(
        "Status",
        choices=choices(ADVOCATE_STATUSES),
        default="nominated",
        validate_choice=False,
        coerce=text_or_empty,
        description="Usually nominated; invite them once the account agrees.",
    )
    nomination_reason = TextAreaField(
        "Why they would make a good reference",
        validators=[Optional()],
        render_kw={"rows": 3},
        description="What they achieved with us, and what they would talk about.",
    )
    products = SelectMultipleField(
        "Products they use", validate_choice=False, description=MULTI_HELP
    )
    use_cases = SelectMultipleField("Use cases", validate_choice=False, description=MULTI_HELP)
    languages = SelectMultipleField(
        "Languages they speak", validate_choice=False, description=MULTI_HELP
    )
    timezone = StringField(
        "Time zone",
        default="UTC",
        render_kw={"list": "timezones", "autocomplete": "off"},
        description="A name such as Europe/Berlin; limits per month count in this zone.",
    )
    activity_types = SelectMultipleField(
        "Activities they accept",
        choices=choices(ACTIVITY_TYPES),
        validate_choice=False,
        description="They are only asked for these. " + MULTI_HELP,
    )
    preferred_contact = SelectField(
        "Preferred contact",
        choices=choices(CONTACT_CHANNELS),
        default="email",
        validate_choice=False,
        coerce=text_or_empty,
    )
    bio = TextAreaField(
        "Short bio",
        validators=[Optional()],
        render_kw={"rows": 4},
        description="Shown to requesters; at most 2,000 characters.",
    )

    def __init__(self, *args, accounts=(), choose_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_id.choices = [SelectChoice("", "Choose an account")] + [
            SelectChoice(str(account.id), account.name) for account in accounts
        ]
        self.products.choices = taxonomy_choices("product")
        self.use_cases.choices = taxonomy_choices("use_case")
        self.languages.choices = taxonomy_choices("language")
        if not choose_status:
            # A CSM nominates; the program team moves advocates along from the detail page.
            del self.status

    def to_data(self) -> dict:
        """The plain dict the service takes."""
        data = {name: blank_to_none(self[name].data) for name in TEXT_FIELDS}
        data["account_id"] = id_or_raw(self.account_id.data)
        for name in ("products", "use_cases", "languages", "activity_types"):
            data[name] = list(self[name].data or [])
        if "status" in self:
            data["status"] = blank_to_none(self.status.data)
        return data
