"""Advocate forms: they shape the input; the advocates services (service, self_service,
preferences) check it and word the messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.accounts import lookup
from portal.accounts.lookup_fields import LookupField
from portal.forms import Required, blank_to_none, id_or_raw, text_or_empty
from portal.i18n import LOCALES
from portal.program.custom_field_forms import CustomValuesField
from portal.program.service import taxonomy_choices
from portal.vocab import (
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    SENIORITIES,
    choices,
)

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
MULTI_HELP = _l("Hold Ctrl (Cmd on a Mac) to pick several.")
NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "maxlength": 3}
LIMIT_NAMES = ("max_per_month", "max_per_quarter", "max_per_year")


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
        description="They are only asked for these. " + str(MULTI_HELP),
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
    custom_fields = CustomValuesField("More about them", entity="advocate")

    def __init__(self, *args, accounts=None, choose_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:  # a CSM chooses among their own accounts
            self.account_id.choices = [SelectChoice("", "Choose an account")] + [
                SelectChoice(str(account.id), account.name) for account in accounts
            ]
        # Retired terms the advocate holds stay offered (marked), so saving doesn't drop them.
        self.products.choices = taxonomy_choices("product", keep=self.products.data)
        self.use_cases.choices = taxonomy_choices("use_case", keep=self.use_cases.data)
        self.languages.choices = taxonomy_choices("language", keep=self.languages.data)
        if not choose_status:
            # A CSM nominates; the program team moves advocates along from the detail page.
            del self.status

    def to_data(self) -> dict:
        """The plain dict the service takes."""
        data = {name: blank_to_none(self[name].data) for name in TEXT_FIELDS}
        data["account_id"] = id_or_raw(self.account_id.data)
        for name in ("products", "use_cases", "languages", "activity_types"):
            data[name] = list(self[name].data or [])
        data["custom_fields"] = self.custom_fields.values()
        if "status" in self:
            data["status"] = blank_to_none(self.status.data)
        return data


# The advocate's own pages ----------------------------------------------------------------


class ProgramAdvocateForm(AdvocateForm):
    """The program team's: the account is typed and looked up, not chosen from every account
    of the program (thousands of them)."""

    account_id = LookupField(
        "Account",
        validators=[Required()],
        resolve=lookup.resolve_account,
        labels=lookup.account_labels,
        endpoint="lookup.accounts",
        description="Type the customer's name and pick it.",
    )


class TermsForm(FlaskForm):
    version = HiddenField()
    agree = BooleanField(
        _l("I have read the program terms and accept them"), validators=[Required()]
    )


class ProfileForm(FlaskForm):
    title = StringField(_l("Job title"), validators=[Optional()], render_kw={"maxlength": 120})
    seniority = SelectField(
        _l("Seniority"),
        choices=choices(SENIORITIES, blank=_l("Rather not say")),
        validate_choice=False,
        coerce=text_or_empty,
    )
    products = SelectMultipleField(
        _l("Products you use"), validate_choice=False, description=MULTI_HELP
    )
    use_cases = SelectMultipleField(
        _l("What you use them for"), validate_choice=False, description=MULTI_HELP
    )
    languages = SelectMultipleField(
        _l("Languages you speak"), validate_choice=False, description=MULTI_HELP
    )
    timezone = StringField(
        _l("Time zone"),
        default="UTC",
        render_kw={"list": "timezones", "autocomplete": "off"},
        description=_l("A name such as Europe/Berlin; your limits per month count in this zone."),
    )
    preferred_contact = SelectField(
        _l("How we should reach you"),
        choices=choices(CONTACT_CHANNELS),
        validate_choice=False,
        coerce=text_or_empty,
    )
    bio = TextAreaField(
        _l("Short bio"),
        validators=[Optional()],
        render_kw={"rows": 4, "maxlength": 2000},
        description=_l("A requester may see this; at most 2,000 characters, plain text."),
    )
    locale = SelectField(
        _l("Language"),
        validate_choice=False,
        coerce=text_or_empty,
        description=_l("The language of your pages and of the e-mails we send you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired terms the advocate holds stay offered (marked), so saving doesn't drop them.
        self.products.choices = taxonomy_choices("product", keep=self.products.data)
        self.use_cases.choices = taxonomy_choices("use_case", keep=self.use_cases.data)
        self.languages.choices = taxonomy_choices("language", keep=self.languages.data)
        # Each language in its own words, so a reader finds theirs whatever the page is in.
        self.locale.choices = [SelectChoice("", _l("Browser's language"))] + [
            SelectChoice(code, name) for code, name in LOCALES.items()
        ]

    def to_data(self) -> dict:
        data = {
            name: blank_to_none(self[name].data)
            for name in ("title", "seniority", "timezone", "preferred_contact", "bio", "locale")
        }
        for name in ("products", "use_cases", "languages"):
            data[name] = list(self[name].data or [])
        return data


class PreferencesForm(FlaskForm):
    activity_types = SelectMultipleField(
        _l("What you are happy to do"),
        choices=choices(ACTIVITY_TYPES),
        validate_choice=False,
        description=_l("We only ask you for what you tick."),
    )
    max_per_month = StringField(_l("At most per month"), render_kw=NUMBER)
    max_per_quarter = StringField(_l("At most per quarter"), render_kw=NUMBER)
    max_per_year = StringField(_l("At most per year"), render_kw=NUMBER)
    min_days_between = StringField(_l("Days between two asks, at least"), render_kw=NUMBER)
    preferred_contact = SelectField(
        _l("How we should reach you"),
        choices=choices(CONTACT_CHANNELS),
        validate_choice=False,
        coerce=text_or_empty,
    )

    def to_data(self) -> dict:
        data = {
            name: blank_to_none(self[name].data)
            for name in (*LIMIT_NAMES, "min_days_between", "preferred_contact")
        }
        data["activity_types"] = list(self.activity_types.data or [])
        return data


class BlackoutForm(FlaskForm):
    start = StringField(_l("From"), validators=[Required()], render_kw={"type": "date"})
    end = StringField(_l("Until (included)"), validators=[Required()], render_kw={"type": "date"})
    reason = StringField(
        _l("Reason (optional)"),
        validators=[Optional()],
        render_kw={"list": "blackout-reasons", "maxlength": 200},
        description=_l('For example "on leave" or "quarter-end".'),
    )

    def to_data(self) -> dict:
        return {name: blank_to_none(self[name].data) for name in ("start", "end", "reason")}


class PauseForm(FlaskForm):
    until = StringField(
        _l("Pause me until"),
        validators=[Required()],
        render_kw={"type": "date"},
        description=_l("No one asks you before this date."),
    )


class AcceptAskForm(FlaskForm):
    proposed_times = StringField(
        _l("Times that suit you (optional)"),
        validators=[Optional()],
        render_kw={"maxlength": 500},
        description=_l('For example: "Tue or Thu afternoon, CET".'),
    )
    note = TextAreaField(
        _l("A note for the team (optional)"),
        validators=[Optional()],
        render_kw={"rows": 3, "maxlength": 2000},
        id="accept-note",
    )

    def to_data(self) -> dict:
        return {"proposed_times": self.proposed_times.data, "note": self.note.data}


class DeclineAskForm(FlaskForm):
    reason = SelectField(
        _l("Why not this time?"),
        choices=choices(DECLINE_REASONS, blank=_l("Choose a reason")),
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
        description=_l("Saying no never counts against you."),
    )
    note = TextAreaField(
        _l("A note for the team (optional)"),
        validators=[Optional()],
        render_kw={"rows": 3, "maxlength": 2000},
        id="decline-note",
    )

    def to_data(self) -> dict:
        return {"reason": blank_to_none(self.reason.data), "note": self.note.data}


class LeaveForm(FlaskForm):
    reason = TextAreaField(
        _l("Anything you'd like to tell us? (optional)"),
        validators=[Optional()],
        render_kw={"rows": 3, "maxlength": 1000},
    )
