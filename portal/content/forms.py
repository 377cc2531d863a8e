"""Forms of the content library: values go to the service as sent; it names what is wrong."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.accounts import lookup
from portal.accounts.lookup_fields import LookupField
from portal.content.assets import ASSET_FIELDS
from portal.forms import Required, blank_to_none, id_or_raw, text_or_empty
from portal.program.service import taxonomy_choices
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS, CONTENT_STAGES, REGIONS, choices


class ContentForm(FlaskForm):
    kind = SelectField(
        "Kind", choices=choices(CONTENT_KINDS), validators=[Required()], validate_choice=False
    )
    title = StringField("Title", validators=[Required()], filters=[blank_to_none])
    url = StringField(
        "Link",
        filters=[blank_to_none],
        render_kw={"type": "url"},
        description="Where the content is published; give a link, a file or both.",
    )
    file = FileField("File", description="A PDF or an image (PNG, JPEG, GIF, WebP), up to 10 MB.")
    summary = TextAreaField("Summary", filters=[blank_to_none])
    account_id = LookupField(
        "Account",
        resolve=lookup.resolve_account,
        labels=lookup.account_labels,
        endpoint="lookup.accounts",
        description="Type the customer's name and pick it; empty for none.",
    )
    advocate_id = LookupField(
        "Advocate",
        resolve=lookup.resolve_advocate,
        labels=lookup.advocate_labels,
        endpoint="lookup.advocates",
        description="Type the advocate's name or e-mail address; empty for none.",
    )
    stages = SelectMultipleField(
        "Sales stages", choices=choices(CONTENT_STAGES), validate_choice=False
    )
    industries = SelectMultipleField("Industries", validate_choice=False)
    products = SelectMultipleField("Products", validate_choice=False)
    use_cases = SelectMultipleField("Use cases", validate_choice=False)
    regions = SelectMultipleField("Regions", choices=choices(REGIONS), validate_choice=False)
    approval_status = SelectField(
        "Approval", choices=choices(APPROVAL_STATUSES), validate_choice=False
    )
    approved_by_customer = StringField(
        "Approved by (at the customer)",
        filters=[blank_to_none],
        description="Name and title of the person who approved it.",
    )
    approved_on = StringField("Approved on", render_kw={"type": "date"}, filters=[blank_to_none])
    approved_until = StringField(
        "Approved until",
        render_kw={"type": "date"},
        filters=[blank_to_none],
        description="After this day requesters no longer see it; you are warned 30 days ahead.",
    )
    use_limit = StringField(
        "Use limit",
        filters=[id_or_raw],
        render_kw={"inputmode": "numeric"},
        description="Only when the customer allowed a number of uses; empty for no limit.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired terms the asset holds stay offered (marked), so saving doesn't drop them.
        self.industries.choices = taxonomy_choices("industry", keep=self.industries.data)
        self.products.choices = taxonomy_choices("product", keep=self.products.data)
        self.use_cases.choices = taxonomy_choices("use_case", keep=self.use_cases.data)

    def to_data(self) -> dict:
        data = {name: self[name].data for name in ASSET_FIELDS}
        for name in ("account_id", "advocate_id", "use_limit"):
            data[name] = id_or_raw(data[name])
        return data


class UseForm(FlaskForm):
    request_id = SelectField("Opportunity", coerce=text_or_empty, validate_choice=False)
    opportunity_crm_id = StringField(
        "Or its CRM id",
        filters=[blank_to_none],
        description="When the opportunity has no request here.",
    )

    def set_requests(self, requests) -> None:
        self.request_id.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(
                str(r.id),
                " · ".join(
                    x for x in (r.opportunity_name, r.prospect_company, r.opportunity_crm_id) if x
                ),
            )
            for r in requests
        ]

    def to_data(self, action: str) -> dict:
        return {
            "request_id": id_or_raw(self.request_id.data),
            "opportunity_crm_id": self.opportunity_crm_id.data,
            "action": action,
        }
