"""Forms of the CRM import page: they shape the input; csv_import checks it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from portal.forms import Required, text_or_empty

PRESET_CHOICES = [
    SelectChoice("auto", "Detect from the header"),
    SelectChoice("salesforce", "Salesforce opportunity report"),
    SelectChoice("hubspot", "HubSpot deals export"),
    SelectChoice("portal", "Advocate Portal columns"),
]


class OpportunityImportForm(FlaskForm):
    preset = SelectField(
        "Columns",
        choices=PRESET_CHOICES,
        default="auto",
        validate_choice=False,
        coerce=text_or_empty,
        validators=[Required()],
        description="Salesforce: a report's Export, Details Only, CSV. HubSpot: Deals, Export "
        "view. Ours: crm_id, name, account, account_crm_id, amount, currency, stage, "
        "close_date, created_date, outcome, owner_email.",
    )
    file = FileField(
        "CSV file",
        description="UTF-8 (with or without BOM), a header row. Deals are matched by their CRM "
        "id; columns the file lacks leave stored values as they are.",
    )


class ConfirmOpportunityImportForm(FlaskForm):
    upload = HiddenField()
