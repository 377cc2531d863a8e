"""Request and ask forms: they shape the input; the services check it and word the messages."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from portal.errors import DomainError
from portal.forms import Required, blank_to_none, text_or_empty
from portal.program.custom_field_forms import CustomCriteriaField
from portal.program.service import taxonomy_choices
from portal.validation import has_markup
from portal.vocab import (
    ACTIVITY_TYPES,
    OPPORTUNITY_OUTCOMES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    choices,
)

TEXT_FIELDS = (
    "activity_type",
    "opportunity_name",
    "opportunity_crm_id",
    "opportunity_amount",
    "opportunity_stage",
    "prospect_company",
    "context",
)
CRITERIA_FIELDS = (
    "industries",
    "products",
    "use_cases",
    "regions",
    "segments",
    "seniorities",
    "languages",
)
PICK_SEVERAL = "Pick any number; hold Ctrl (Cmd on a Mac) to pick several."
# The help that replaces PICK_SEVERAL once static/js/chips.js has turned a list into chips.
CHIPS_HELP = "Type to find one; Enter adds it, Backspace removes the last."
# A link's query argument -> the criteria field it fills (a CRM button: `?industry=banking`).
LINK_CRITERIA = {"industry": "industries", "product": "products"}
LINK_TEXT_MAX = 200


def chips(name: str) -> dict:
    """A select multiple's attributes that make it searchable chips (static/js/chips.js);
    `name` names the search box ("Add a region")."""
    return {"data-chips": True, "data-chips-name": name, "data-chips-help": CHIPS_HELP}


def criteria_field(label: str, add: str, values: tuple[str, ...] = ()) -> SelectMultipleField:
    """A criterion of the request: any number of values as searchable chips, named `add` in
    the search box ("Add a region"); `values`, the fixed keys offered (else set per form)."""
    return SelectMultipleField(
        label,
        choices=choices(values) if values else None,
        validate_choice=False,
        description=PICK_SEVERAL,
        render_kw=chips(add),
    )


class RawDateField(DateField):
    """A date whose unreadable input reaches the service, which names the problem."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = self.raw
        if not self.raw:
            self.data = None


class RequestForm(FlaskForm):
    activity_type = SelectField(
        "What do you need?",
        choices=choices(ACTIVITY_TYPES, blank="Choose an activity"),
        validators=[Required()],
        validate_choice=False,
        coerce=text_or_empty,
    )
    prospect_company = StringField(
        "Prospect company",
        validators=[Optional()],
        description="Advocates who work there are never suggested.",
    )
    opportunity_name = StringField("Opportunity", validators=[Optional()])
    opportunity_crm_id = StringField("CRM opportunity id", validators=[Optional()])
    opportunity_amount = StringField(
        "Amount", validators=[Optional()], description="In whole currency units, such as 250000."
    )
    opportunity_stage = StringField(
        "Stage", validators=[Optional()], description="As your CRM names it, such as Proposal."
    )
    opportunity_close_date = RawDateField("Expected close date", validators=[Optional()])
    industries = criteria_field("Industries", "Add an industry")
    products = criteria_field("Products", "Add a product")
    use_cases = criteria_field("Use cases", "Add a use case")
    regions = criteria_field("Regions", "Add a region", REGIONS)
    segments = criteria_field("Segments", "Add a segment", SEGMENTS)
    seniorities = criteria_field("Seniority", "Add a seniority", SENIORITIES)
    languages = criteria_field("Languages", "Add a language")
    custom = CustomCriteriaField("Custom criteria")
    needed_by = RawDateField(
        "Needed by", validators=[Required()], description="The last day the reference helps you."
    )
    advocates_needed = StringField(
        "How many advocates",
        default="1",
        validators=[Required()],
        description="From 1 to 20.",
    )
    rush = BooleanField(
        "This is a rush",
        description="Only when the date is inside the activity's lead time (the minimum notice "
        "the reference team needs); otherwise it is ignored.",
    )
    rush_reason = TextAreaField(
        "Why it's a rush",
        validators=[Optional()],
        render_kw={"rows": 2, "maxlength": 500},
        description="The reference manager reads this (at most 500 characters).",
    )
    context = TextAreaField(
        "Context for the advocate",
        validators=[Optional()],
        render_kw={"rows": 6},
        description="What the advocate will read: the prospect's situation and what to talk "
        "about (at most 5,000 characters).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fields that hold the page's own starting values, not the requester's or a link's:
        # the script may replace them with the usual values of the activity picked.
        self.defaulted: set[str] = set()
        self._offer_terms()

    def _offer_terms(self) -> None:
        """Active terms and groups of terms, and any retired value the request holds."""
        for name, kind in (
            ("industries", "industry"),
            ("products", "product"),
            ("use_cases", "use_case"),
            ("languages", "language"),
        ):
            self[name].choices = taxonomy_choices(kind, keep=self[name].data, groups=True)

    def fill_from(self, request) -> None:
        """Show a stored request (editing a draft)."""
        for name in TEXT_FIELDS:
            value = getattr(request, name)
            self[name].data = "" if value is None else str(value)
        self.opportunity_close_date.data = request.opportunity_close_date
        self.needed_by.data = request.needed_by
        self.advocates_needed.data = str(request.advocates_needed)
        self.rush.data = bool(request.rush)
        self.rush_reason.data = request.rush_reason or ""
        for name in CRITERIA_FIELDS:
            self[name].data = list((request.criteria or {}).get(name) or [])
        self.custom.data = dict((request.criteria or {}).get("custom") or {})
        self._offer_terms()

    def prefill(self, args, crm_id: str | None = None, deal=None, usual=None) -> None:
        """Fill a new request from a link (a CRM button): `activity_type`, `prospect`,
        `needed_by`, `industry`, `product`, `advocates_needed`. A value that doesn't fit is left
        out, never an error. `crm_id` is the link's CRM id, already checked; `deal` the
        opportunity it names when the viewer may see it, whose own values then fill the form.
        `usual`: each activity's usual values (portal.asks.defaults), for the date and count a
        link naming the activity leaves out."""
        self.defaulted = {"needed_by", "advocates_needed"}
        activity = _link_text(args.get("activity_type")).lower().replace(" ", "_")
        if activity in ACTIVITY_TYPES:
            self.activity_type.data = activity
        needed_by = _link_date(args.get("needed_by"))
        if needed_by is not None:
            self.needed_by.data = needed_by
            self.defaulted.discard("needed_by")
        count = _link_text(args.get("advocates_needed"))
        if count.isdecimal() and 1 <= int(count) <= 20:
            self.advocates_needed.data = str(int(count))
            self.defaulted.discard("advocates_needed")
        if usual and activity in usual:
            if "needed_by" in self.defaulted:
                self.needed_by.data = dt.date.fromisoformat(usual[activity]["needed_by"])
            if "advocates_needed" in self.defaulted:
                self.advocates_needed.data = usual[activity]["advocates_needed"]
        prospect = _link_text(args.get("prospect"))
        if prospect:
            self.prospect_company.data = prospect
        for argument, name in LINK_CRITERIA.items():
            wanted = [
                part.strip().lower()
                for value in args.getlist(argument)
                for part in _link_text(value).split(",")
                if part.strip()
            ]
            # A CRM sends its picklist's words ("Banking") or our keys ("banking").
            known = {}
            for choice in self[name].choices:
                known.setdefault(choice.value.lower(), choice.value)
                known.setdefault(str(choice.label).lower(), choice.value)
            picked = [known[word] for word in wanted if word in known]
            if picked:
                self[name].data = list(dict.fromkeys(picked))
        if crm_id:
            self.opportunity_crm_id.data = crm_id
        if deal is not None:
            self.opportunity_crm_id.data = deal.crm_id
            self.opportunity_name.data = deal.name or ""
            self.opportunity_amount.data = amount_text(deal.amount)
            self.opportunity_stage.data = deal.stage or ""
            self.opportunity_close_date.data = deal.close_date
            if deal.account_name:
                self.prospect_company.data = deal.account_name

    def fill_empty_criteria(self, values: dict[str, list[str]]) -> None:
        """Criteria from elsewhere (the prospect's account) into the lists still empty: only
        values the list offers, never over what the link gave."""
        for name, wanted in values.items():
            if self[name].data:
                continue
            offered = {choice.value for choice in self[name].choices}
            picked = [value for value in dict.fromkeys(wanted) if value in offered]
            if picked:
                self[name].data = picked

    def holds_any(self, *names: str) -> bool:
        """Whether any of these fields holds a value or an error (a folded section opens)."""
        for name in names:
            data = self[name].data
            if isinstance(data, dict):  # custom criteria: key -> chosen values
                data = [chosen for chosen in data.values() if chosen]
            if data or self[name].errors:
                return True
        return False

    def to_data(self) -> dict:
        """The plain dict the service takes."""
        data = {name: blank_to_none(self[name].data) for name in TEXT_FIELDS}
        data["opportunity_close_date"] = blank_to_none(self.opportunity_close_date.data)
        data["needed_by"] = blank_to_none(self.needed_by.data)
        count = blank_to_none(self.advocates_needed.data)
        data["advocates_needed"] = int(count) if count and count.lstrip("-").isdigit() else count
        data["criteria"] = {name: list(self[name].data or []) for name in CRITERIA_FIELDS}
        data["criteria"]["custom"] = dict(self.custom.data or {})
        data["rush"] = bool(self.rush.data)
        data["rush_reason"] = blank_to_none(self.rush_reason.data)
        return data

    def show_errors(self, error: DomainError) -> None:
        """Each message of the service next to its field (criteria.x is the field x)."""
        fields = error.fields or {"activity_type": error.message}
        for name, message in fields.items():
            name = name.removeprefix("criteria.")
            target = self._fields.get(name) or self._fields.get(name.split(".")[0], self.context)
            target.errors = [*list(target.errors or []), message]


def _link_text(value) -> str:
    """A link's text argument, or "" when it is too long or holds markup or control
    characters (the service would refuse it)."""
    value = (value or "").strip()
    if (
        len(value) > LINK_TEXT_MAX
        or has_markup(value)
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        return ""
    return value


def _link_date(value) -> dt.date | None:
    """A link's date (2026-12-31), if it is one a request may be needed by."""
    try:
        day = dt.date.fromisoformat(_link_text(value))
    except ValueError:
        return None
    return day if dt.date.today() <= day <= dt.date(9000, 12, 31) else None


def amount_text(amount) -> str:
    """An amount as the form shows it: whole units without ".00"."""
    if amount is None:
        return ""
    return str(int(amount)) if amount == amount.to_integral_value() else str(amount)


def outcome_choices():
    return choices(OPPORTUNITY_OUTCOMES)


RATING_CHOICES = [("", "Choose"), *[(str(n), f"{n} of 5") for n in range(5, 0, -1)]]
