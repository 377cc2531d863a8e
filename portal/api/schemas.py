"""marshmallow schemas of the API: what responses hold (dumped with them) and what the
OpenAPI document says. Request bodies are checked by the services; the *Input schemas
only describe them. The objects that events carry (asks, requests, claims, advocates, deals)
have their schemas in `portal.webhooks.payloads`: a webhook call shows them as the API does."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow.validate import Length, OneOf, Range

from portal.asks.matching import OFFER_LIMIT
from portal.vocab import (
    ACCOUNT_STATUSES,
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    ASK_STATUSES,
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    OPPORTUNITY_OUTCOMES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    STAGE_GROUPS,
)
from portal.webhooks.payloads import (
    CUSTOM_VALUES,
    TAXONOMY,
    AdvocateSchema,
    AnswerSchema,
    AskSchema,
    ClaimSchema,
    CriteriaSchema,
    OpportunitySchema,
    RequestSchema,
    claim_figures,
    text_list,
)

CUSTOM_INPUT = (
    CUSTOM_VALUES + " Send the keys to change; null clears one. A bad value is refused with "
    "422 naming `custom_fields.<key>`, and nothing is written."
)

# Errors -----------------------------------------------------------------------------------


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True, metadata={"description": "Written for a person."})
    # "fields" is a Schema attribute, hence the other name for the field of that name.
    field_errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "Field name -> what is wrong with it; present when known."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# Query arguments --------------------------------------------------------------------------


class Since(fields.DateTime):
    """An ISO 8601 date-time or date; without an offset it is read as UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = value.strip()
            # An unencoded "+02:00" arrives as " 02:00".
            for candidate in (text, text.replace(" ", "+")):
                try:
                    parsed = dt.datetime.fromisoformat(candidate)
                except ValueError:
                    continue
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise ValidationError("Use an ISO 8601 date or date-time, such as 2026-01-31T09:00:00Z.")


class PageArgsSchema(Schema):
    """?page=&per_page= of every list."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1, validate=Range(min=1), metadata={"description": "Page number, from 1."}
    )
    per_page = fields.Integer(
        load_default=25,
        validate=Range(min=1, max=100),
        metadata={"description": "Items per page, at most 100."},
    )


class AccountArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Part of the name, domain or CRM id."}
    )
    status = fields.String(validate=OneOf(ACCOUNT_STATUSES))
    industry = fields.String(metadata={"description": TAXONOMY.format("industry")})
    region = fields.String(validate=OneOf(REGIONS))
    segment = fields.String(validate=OneOf(SEGMENTS))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


class AdvocateArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200),
        metadata={"description": "Part of the name, e-mail or account name."},
    )
    status = fields.String(validate=OneOf(ADVOCATE_STATUSES))
    account_id = fields.Integer(validate=Range(min=1))
    seniority = fields.String(validate=OneOf(SENIORITIES))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


# Lists ------------------------------------------------------------------------------------


class PageSchema(AnswerSchema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items on all pages."})


# Accounts ---------------------------------------------------------------------------------


class AccountSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    domain = fields.String(allow_none=True)
    industry = fields.String(metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(validate=OneOf(SEGMENTS))
    region = fields.String(validate=OneOf(REGIONS))
    country = fields.String(allow_none=True, metadata={"description": "ISO 3166-1 alpha-2."})
    employees = fields.Integer(allow_none=True)
    arr = fields.Integer(allow_none=True, metadata={"description": "Annual recurring revenue."})
    crm_id = fields.String(allow_none=True)
    csm_id = fields.Integer(allow_none=True)
    status = fields.String(validate=OneOf(ACCOUNT_STATUSES))
    products = text_list(TAXONOMY.format("product"))
    notes = fields.String(allow_none=True)
    custom_fields = fields.Dict(
        keys=fields.String(),
        metadata={"description": CUSTOM_VALUES},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AccountListSchema(PageSchema):
    items = fields.List(fields.Nested(AccountSchema), required=True)


class AccountInputSchema(Schema):
    """The fields a client may send; PATCH sends any of them."""

    name = fields.String(validate=Length(max=200))
    domain = fields.String(allow_none=True)
    industry = fields.String(metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(validate=OneOf(SEGMENTS))
    region = fields.String(validate=OneOf(REGIONS))
    country = fields.String(allow_none=True, metadata={"description": "ISO 3166-1 alpha-2."})
    employees = fields.Integer(allow_none=True, validate=Range(min=0))
    arr = fields.Integer(allow_none=True, validate=Range(min=0))
    crm_id = fields.String(allow_none=True, validate=Length(max=64))
    csm_id = fields.Integer(
        allow_none=True, metadata={"description": "Set by the program team; a CSM logs their own."}
    )
    status = fields.String(validate=OneOf(ACCOUNT_STATUSES))
    products = text_list(TAXONOMY.format("product"))
    notes = fields.String(allow_none=True)
    custom_fields = fields.Dict(
        keys=fields.String(),
        metadata={"description": CUSTOM_INPUT},
    )


class AccountNewSchema(AccountInputSchema):
    name = fields.String(required=True, validate=Length(max=200))
    industry = fields.String(required=True, metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(required=True, validate=OneOf(SEGMENTS))
    region = fields.String(required=True, validate=OneOf(REGIONS))


# Advocates --------------------------------------------------------------------------------


class AdvocateListSchema(PageSchema):
    items = fields.List(fields.Nested(AdvocateSchema), required=True)


class AdvocateInputSchema(Schema):
    """The fields a client may send; PATCH sends any of them (`status` moves on the lifecycle)."""

    account_id = fields.Integer()
    name = fields.String(validate=Length(max=120))
    email = fields.String()
    title = fields.String(allow_none=True, validate=Length(max=120))
    seniority = fields.String(allow_none=True, validate=OneOf(SENIORITIES))
    products = text_list(TAXONOMY.format("product"))
    use_cases = text_list(TAXONOMY.format("use case"))
    languages = text_list(TAXONOMY.format("language"))
    timezone = fields.String(metadata={"example": "Europe/Berlin"})
    bio = fields.String(allow_none=True, validate=Length(max=2000))
    status = fields.String(
        validate=OneOf(ADVOCATE_STATUSES),
        metadata={"description": "Program team only; a CSM's nomination starts as nominated."},
    )
    nomination_reason = fields.String(allow_none=True, validate=Length(max=2000))
    activity_types = fields.List(fields.String(validate=OneOf(ACTIVITY_TYPES)))
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))
    custom_fields = fields.Dict(
        keys=fields.String(),
        metadata={"description": CUSTOM_INPUT},
    )


class AdvocateNewSchema(AdvocateInputSchema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=Length(max=120))
    email = fields.String(required=True)


# Preferences (advocate self-service) -------------------------------------------------------

LIMIT = "Whole number 0-50; null: the program default applies (see `defaults`)."


class BlackoutSchema(AnswerSchema):
    id = fields.Integer()
    start = fields.Date()
    end = fields.Date(metadata={"description": "The last day of the period, included."})
    reason = fields.String(allow_none=True, metadata={"example": "On leave"})


class ProgramLimitsSchema(AnswerSchema):
    max_per_month = fields.Integer()
    max_per_quarter = fields.Integer()
    max_per_year = fields.Integer()
    min_days_between = fields.Integer()


class PreferencesSchema(AnswerSchema):
    advocate_id = fields.Integer()
    activity_types = fields.List(fields.String(validate=OneOf(ACTIVITY_TYPES)))
    max_per_month = fields.Integer(allow_none=True, metadata={"description": LIMIT})
    max_per_quarter = fields.Integer(allow_none=True, metadata={"description": LIMIT})
    max_per_year = fields.Integer(allow_none=True, metadata={"description": LIMIT})
    min_days_between = fields.Integer(
        allow_none=True, metadata={"description": "Cooldown in days, 0-365; null: program default."}
    )
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))
    paused_until = fields.Date(
        allow_none=True, metadata={"description": "No asks before this day; null: not paused."}
    )
    blackouts = fields.List(
        fields.Nested(BlackoutSchema),
        metadata={"description": "Blackout periods that have not ended yet."},
    )
    defaults = fields.Nested(
        ProgramLimitsSchema, metadata={"description": "The program's limits, used for nulls."}
    )


class BlackoutInputSchema(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True, metadata={"description": "On or after start, not past."})
    reason = fields.String(allow_none=True, validate=Length(max=200))


class PreferencesInputSchema(Schema):
    """PUT replaces: a limit left out or null means the program default; `blackouts` replaces
    the periods that have not ended; `paused_until` left out keeps the pause as it is."""

    activity_types = fields.List(fields.String(validate=OneOf(ACTIVITY_TYPES)))
    max_per_month = fields.Integer(allow_none=True, validate=Range(min=0, max=50))
    max_per_quarter = fields.Integer(allow_none=True, validate=Range(min=0, max=50))
    max_per_year = fields.Integer(allow_none=True, validate=Range(min=0, max=50))
    min_days_between = fields.Integer(allow_none=True, validate=Range(min=0, max=365))
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))
    paused_until = fields.Date(allow_none=True, metadata={"description": "A day after today."})
    blackouts = fields.List(fields.Nested(BlackoutInputSchema))


# Asks ---------------------------------------------------------------------------------------


class AskListSchema(PageSchema):
    items = fields.List(fields.Nested(AskSchema), required=True)


class AskArgsSchema(PageArgsSchema):
    status = fields.String(validate=OneOf(ASK_STATUSES))
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    advocate_id = fields.Integer(validate=Range(min=1))
    request_id = fields.Integer(validate=Range(min=1))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


class AcceptInputSchema(Schema):
    proposed_times = fields.String(
        allow_none=True, validate=Length(max=500), metadata={"example": "Tue or Thu, 2-5pm CET"}
    )
    note = fields.String(allow_none=True, validate=Length(max=2000))


class DeclineInputSchema(Schema):
    reason = fields.String(required=True, validate=OneOf(DECLINE_REASONS))
    note = fields.String(allow_none=True, validate=Length(max=2000))


# Reference requests and matching ------------------------------------------------------------


class OpportunityListSchema(PageSchema):
    items = fields.List(fields.Nested(OpportunitySchema), required=True)


class OpportunityArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Part of the name, account or CRM id."}
    )
    outcome = fields.String(validate=OneOf(OPPORTUNITY_OUTCOMES))
    stage_group = fields.String(validate=OneOf(STAGE_GROUPS))
    account_id = fields.Integer(validate=Range(min=1))
    updated_since = Since(
        metadata={
            "description": "Changed at or after this date or time (a date: its midnight UTC; no "
            "offset: UTC). The list is then oldest change first, a cursor for a CRM sync."
        }
    )


class OpportunityInputSchema(Schema):
    """PUT /opportunities/<crm_id>: a new deal needs `name` and `outcome`; on a known deal
    the fields not sent stay as they are."""

    name = fields.String(validate=Length(min=1, max=200))
    account_name = fields.String(
        allow_none=True,
        validate=Length(max=200),
        metadata={"description": "Matched to the program's account by exact name."},
    )
    account_crm_id = fields.String(
        allow_none=True,
        validate=Length(max=64),
        metadata={"description": "Matched to the program's account by its CRM id first."},
    )
    amount = fields.Decimal(
        allow_none=True, as_string=True, metadata={"description": "Not negative, such as 250000."}
    )
    currency = fields.String(
        allow_none=True, metadata={"description": "ISO 4217 code; default USD."}
    )
    stage = fields.String(allow_none=True, validate=Length(max=64))
    stage_group = fields.String(allow_none=True, validate=OneOf(STAGE_GROUPS))
    close_date = fields.Date(allow_none=True)
    opened_on = fields.Date(allow_none=True, metadata={"description": "Not after `close_date`."})
    outcome = fields.String(validate=OneOf(OPPORTUNITY_OUTCOMES))
    owner_email = fields.Email(
        allow_none=True,
        metadata={"description": "The seller who owns the deal: they see it through the API."},
    )


class RequestDetailSchema(RequestSchema):
    shared_ask_ids = fields.List(
        fields.Integer(),
        metadata={"description": "Asks of other requests that serve this one too (issue 20)."},
    )


class RequestListSchema(PageSchema):
    items = fields.List(fields.Nested(RequestSchema), required=True)


class RequestArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=OneOf(
            ("draft", "submitted", "in_progress", "fulfilled", "completed", "cancelled", "expired")
        )
    )
    view = fields.String(
        validate=OneOf(("new", "due_soon", "overdue", "assigned", "open", "mine")),
        metadata={"description": "A queue view (the program team): new, due_soon, overdue, ..."},
    )
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Prospect or opportunity."}
    )
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


class RequestInputSchema(Schema):
    activity_type = fields.String(required=True, validate=OneOf(ACTIVITY_TYPES))
    opportunity_name = fields.String(allow_none=True, validate=Length(max=200))
    opportunity_crm_id = fields.String(allow_none=True, validate=Length(max=64))
    opportunity_amount = fields.Decimal(
        allow_none=True, as_string=True, metadata={"description": "Not negative, such as 250000."}
    )
    opportunity_stage = fields.String(allow_none=True, validate=Length(max=64))
    opportunity_close_date = fields.Date(allow_none=True)
    prospect_company = fields.String(allow_none=True, validate=Length(max=200))
    criteria = fields.Nested(CriteriaSchema)
    needed_by = fields.Date(required=True, metadata={"description": "Today or later."})
    advocates_needed = fields.Integer(required=True, validate=Range(min=1, max=20))
    context = fields.String(allow_none=True, validate=Length(max=5000))
    status = fields.String(
        validate=OneOf(("submitted", "draft")),
        metadata={"description": "draft keeps it as the requester's draft; default submitted."},
    )
    rush = fields.Boolean(
        allow_none=True,
        metadata={
            "description": "Needed inside the activity type's lead time (GET "
            "/settings/lead-times): file it as a rush, with `rush_reason`. Ignored (false) "
            "when the notice is enough."
        },
    )
    rush_reason = fields.String(
        allow_none=True,
        validate=Length(max=500),
        metadata={"description": "Why it can't wait (plain text); required with `rush`."},
    )


class RequestChangeSchema(RequestInputSchema):
    """PATCH /requests/<id>: the fields sent change, the others stay."""

    class Meta:
        exclude = ("status",)

    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    needed_by = fields.Date(metadata={"description": "Today or later."})
    advocates_needed = fields.Integer(validate=Range(min=1, max=20))
    opportunity_outcome = fields.String(
        validate=OneOf(OPPORTUNITY_OUTCOMES),
        metadata={
            "description": "The deal's outcome (with `opportunity_amount`, its amount): on a "
            "request linked to an opportunity it changes the opportunity, which every request "
            "of that deal then shows."
        },
    )


class MatchAdvocateSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    seniority = fields.String(allow_none=True)
    account_id = fields.Integer()
    account_name = fields.String()
    industry = fields.String()
    region = fields.String()
    segment = fields.String()
    timezone = fields.String()


class MatchSchema(Schema):
    advocate_id = fields.Integer(required=True)
    advocate = fields.Nested(MatchAdvocateSchema, required=True)
    score = fields.Float(required=True, metadata={"description": "Relevance plus fairness."})
    relevance = fields.Float(metadata={"description": "Weighted overlap with the criteria."})
    fairness = fields.Float(metadata={"description": "Never asked rise, often asked sink."})
    standing = fields.Float(
        metadata={"description": "Account health, NPS and ratings of past calls."}
    )
    scale = fields.Float(metadata={"description": "The highest score these criteria allow."})
    asks_left = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Asks the limits still allow: {month, quarter}."},
    )
    reasons = fields.List(
        fields.String(),
        required=True,
        metadata={"example": ["same industry: Banking", "0 asks in 90 days, 1 in 12 months"]},
    )


class NearMissSchema(Schema):
    advocate_id = fields.Integer(required=True)
    advocate = fields.Nested(MatchAdvocateSchema, required=True)
    excluded_because = fields.List(fields.String(), required=True)
    free_from = fields.Date(
        allow_none=True, metadata={"description": "Null: not a matter of time."}
    )


class MatchListSchema(Schema):
    items = fields.List(fields.Nested(MatchSchema), required=True)
    near_misses = fields.List(fields.Nested(NearMissSchema), required=True)


class MatchArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=10, validate=Range(min=1, max=OFFER_LIMIT))


class PlaceAskInputSchema(Schema):
    advocate_id = fields.Integer(required=True)
    respond_by = fields.DateTime(
        metadata={"description": "Answers after this are refused; default in 5 days."}
    )
    personal_note = fields.String(
        allow_none=True,
        validate=Length(max=1000),
        metadata={
            "description": "A note to the advocate, after the program's ask template for the "
            "activity type: plain text with line breaks, no HTML, at most 1,000 characters."
        },
    )


class CompleteAskInputSchema(Schema):
    rating = fields.Integer(
        validate=Range(min=1, max=5), metadata={"description": "Required from the requester."}
    )
    feedback = fields.String(allow_none=True, validate=Length(max=5000))


# Benefits, claims and the points ledger -------------------------------------------------------

from portal.benefits.models import ELIGIBILITY_RULES  # noqa: E402
from portal.vocab import BENEFIT_KINDS, CLAIM_STATUSES, LEDGER_REASONS  # noqa: E402


class BenefitSchema(AnswerSchema):
    id = fields.Integer()
    kind = fields.String(validate=OneOf(BENEFIT_KINDS))
    title = fields.String()
    description = fields.String(allow_none=True)
    event_date = fields.Date(allow_none=True)
    location = fields.String(allow_none=True)
    capacity = fields.Integer(allow_none=True, metadata={"description": "Null: unlimited."})
    points_cost = fields.Integer()
    claim_deadline = fields.Date(allow_none=True)
    requires_approval = fields.Boolean()
    status = fields.String(metadata={"description": "open or closed."})
    eligibility = fields.String(validate=OneOf(ELIGIBILITY_RULES))
    min_completed = fields.Integer(allow_none=True)
    allowed_advocate_ids = fields.Function(
        lambda b: sorted(a.advocate_id for a in b.allowed),
        metadata={
            "description": "Who may claim when eligibility is chosen; the program team only "
            "(left out for everyone else)."
        },
    )
    places_taken = fields.Function(
        lambda b: _places_taken(b.id),
        metadata={"description": "Claims requested, approved or fulfilled."},
    )

    def on_bind_field(self, field_name, field_obj) -> None:
        # Shown to the program team only: the one field an answer may leave out.
        field_obj.required = field_name != "allowed_advocate_ids"


def _places_taken(benefit_id: int) -> int:
    from portal.benefits.capacity import places_taken

    figures = claim_figures()
    return figures.taken(benefit_id) if figures is not None else places_taken(benefit_id)


class BenefitListSchema(PageSchema):
    items = fields.List(fields.Nested(BenefitSchema), required=True)


class BenefitArgsSchema(PageArgsSchema):
    status = fields.String(validate=OneOf(("open", "closed")))
    kind = fields.String(validate=OneOf(BENEFIT_KINDS))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


class BenefitInputSchema(Schema):
    kind = fields.String(required=True, validate=OneOf(BENEFIT_KINDS))
    title = fields.String(required=True, validate=Length(max=200))
    description = fields.String(allow_none=True, validate=Length(max=5000))
    event_date = fields.Date(allow_none=True)
    location = fields.String(allow_none=True, validate=Length(max=200))
    capacity = fields.Integer(
        allow_none=True, validate=Range(min=0), metadata={"description": "Null: unlimited."}
    )
    points_cost = fields.Integer(validate=Range(min=0), metadata={"description": "Default 0."})
    claim_deadline = fields.Date(
        allow_none=True, metadata={"description": "On or before the event date."}
    )
    requires_approval = fields.Boolean()
    eligibility = fields.String(validate=OneOf(ELIGIBILITY_RULES))
    min_completed = fields.Integer(allow_none=True, validate=Range(min=1))
    allowed_advocate_ids = fields.List(fields.Integer())


class ClaimListSchema(PageSchema):
    items = fields.List(fields.Nested(ClaimSchema), required=True)


class ClaimArgsSchema(PageArgsSchema):
    status = fields.String(validate=OneOf(CLAIM_STATUSES))
    benefit_id = fields.Integer(validate=Range(min=1))
    advocate_id = fields.Integer(validate=Range(min=1))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


class ClaimInputSchema(Schema):
    talk_title = fields.String(validate=Length(max=200), metadata={"description": "Speaking."})
    abstract = fields.String(validate=Length(max=5000), metadata={"description": "Speaking."})
    statement = fields.String(validate=Length(max=2000), metadata={"description": "Board."})
    note = fields.String(validate=Length(max=2000), metadata={"description": "Other kinds."})


class DecisionInputSchema(Schema):
    note = fields.String(allow_none=True, validate=Length(max=2000))


class LedgerEntrySchema(AnswerSchema):
    id = fields.Integer()
    advocate_id = fields.Integer()
    delta = fields.Integer()
    reason = fields.String(validate=OneOf(LEDGER_REASONS))
    ask_id = fields.Integer(allow_none=True)
    claim_id = fields.Integer(allow_none=True)
    memo = fields.String(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class LedgerSchema(PageSchema):
    advocate_id = fields.Integer(required=True)
    balance = fields.Integer(required=True, metadata={"description": "The sum of all entries."})
    items = fields.List(fields.Nested(LedgerEntrySchema), required=True)
