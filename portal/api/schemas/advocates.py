"""Advocates and their preferences: answers, query arguments and request bodies."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import CUSTOM_INPUT, PageArgsSchema, PageSchema, Since
from portal.vocab import ACTIVITY_TYPES, ADVOCATE_STATUSES, CONTACT_CHANNELS, SENIORITIES
from portal.webhooks.payloads import TAXONOMY, AdvocateSchema, AnswerSchema, text_list


class AdvocateArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200),
        metadata={"description": "Part of the name, e-mail or account name."},
    )
    status = fields.String(validate=OneOf(ADVOCATE_STATUSES))
    account_id = fields.Integer(validate=Range(min=1))
    seniority = fields.String(validate=OneOf(SENIORITIES))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


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
