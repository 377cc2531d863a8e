"""Account forms: they shape the input; accounts.service checks it and words the messages."""

from __future__ import annotations

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

from portal.accounts.service import TEXT_FIELDS, csm_choices
from portal.forms import Required, blank_to_none, id_or_raw, text_or_empty
from portal.program.custom_field_forms import CustomValuesField
from portal.program.service import taxonomy_choices
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS, choices


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
    custom_fields = CustomValuesField("More about the account", entity="account")

    def __init__(self, *args, choose_csm: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired terms the account holds stay offered (marked), so saving doesn't drop them.
        self.industry.choices = taxonomy_choices(
            "industry", blank="Choose an industry", keep=self.industry.data
        )
        self.products.choices = taxonomy_choices("product", keep=self.products.data)
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
        data["custom_fields"] = self.custom_fields.values()
        if "csm_id" in self:
            data["csm_id"] = id_or_raw(self.csm_id.data)
        return data
