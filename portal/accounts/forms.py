"""Account forms: they shape the input; accounts.service checks it and words the messages."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.accounts.service import csm_choices
from portal.errors import DomainError
from portal.program.service import taxonomy_choices
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS, choices


class Required:
    """Marks a field required (asterisk, aria); the service checks it and says why."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def text_or_empty(value) -> str:
    """Select coercion that shows a missing value as the empty choice, not 'None'."""
    return "" if value is None else str(value)


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def id_or_raw(value):
    """A chosen id as int; anything else goes to the service as is, which names the problem."""
    value = blank_to_none(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def show_service_errors(form, error: DomainError, fallback: str | None = None) -> None:
    """Put each message of a service error next to its field; the rest become flash messages.

    `fallback` names the field for an error that names none (a refusal such as Forbidden).
    """
    fields = error.fields or ({fallback: error.message} if fallback else {})
    if not fields:
        flash(error.message, "error")
    for name, message in fields.items():
        if name in form:
            form[name].errors.append(message)
        else:
            flash(message, "error")


TEXT_FIELDS = (
    "name",
    "domain",
    "industry",
    "segment",
    "region",
    "country",
    "crm_id",
    "status",
    "notes",
)


class AccountForm(FlaskForm):
    name = StringField("Name", validators=[Required()])
    domain = StringField(
        "Web domain", validators=[Optional()], description="Such as example.com, without https://."
    )
    industry = SelectField(
        "Industry", validators=[Required()], validate_choice=False, coerce=text_or_empty
    )
    segment = SelectField(
        "Segment",
        choices=choices(SEGMENTS, blank="Choose a segment"),
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    region = SelectField(
        "Region",
        choices=choices(REGIONS, blank="Choose a region"),
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    country = StringField(
        "Country",
        validators=[Optional()],
        description="Two-letter ISO code of the headquarters, such as DE or US.",
    )
    employees = IntegerField("Employees", validators=[Optional()])
    arr = IntegerField(
        "Annual recurring revenue",
        validators=[Optional()],
        description="What the customer pays us per year, in whole currency units.",
    )
    crm_id = StringField(
        "CRM id",
        validators=[Optional()],
        description="The account's id in the CRM (at most 64 characters); unique.",
    )
    csm_id = SelectField(
        "Customer success manager",
        validate_choice=False,
        coerce=text_or_empty,
        description="Who looks after this account. They can edit it and nominate its contacts.",
    )
    status = SelectField(
        "Status",
        choices=choices(ACCOUNT_STATUSES),
        default="candidate",
        validate_choice=False,
        coerce=text_or_empty,
        description="Only contacts at active accounts can be asked for references.",
    )
    products = SelectMultipleField(
        "Products in use",
        validate_choice=False,
        description="Hold Ctrl (Cmd on a Mac) to pick several.",
    )
    notes = TextAreaField(
        "Notes",
        validators=[Optional()],
        render_kw={"rows": 5},
        description="Visible to staff only.",
    )

    def __init__(self, *args, choose_csm: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.industry.choices = taxonomy_choices("industry", blank="Choose an industry")
        self.products.choices = taxonomy_choices("product")
        if choose_csm:
            self.csm_id.choices = [SelectChoice("", "Nobody yet")] + [
                SelectChoice(str(user.id), user.name) for user in csm_choices()
            ]
        else:
            # A CSM looks after the accounts they log; the service sets them as CSM.
            del self.csm_id

    def keep_current_csm(self, user) -> None:
        """List the account's current CSM even if they are not in the usual choices."""
        if user is None or "csm_id" not in self:
            return
        if str(user.id) not in {choice.value for choice in self.csm_id.choices}:
            self.csm_id.choices.append(SelectChoice(str(user.id), user.name))

    def to_data(self) -> dict:
        """The plain dict the service takes."""
        data = {name: blank_to_none(self[name].data) for name in TEXT_FIELDS}
        data["employees"] = self.employees.data
        data["arr"] = self.arr.data
        data["products"] = list(self.products.data or [])
        if "csm_id" in self:
            data["csm_id"] = id_or_raw(self.csm_id.data)
        return data
