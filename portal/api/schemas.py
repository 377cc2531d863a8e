"""marshmallow schemas of the API: what responses hold (dumped with them) and what the
OpenAPI document says. Request bodies are checked by the services; the *Input schemas
only describe them."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow.validate import Length, OneOf, Range

from portal.vocab import (
    ACCOUNT_STATUSES,
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    CONTACT_CHANNELS,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
)

TAXONOMY = "A value of the program's {} taxonomy."


def _text_list(description: str):
    return fields.List(fields.String(), metadata={"description": description})


class AnswerSchema(Schema):
    """An object the API answers with: every field is always there (null where allowed)."""

    def on_bind_field(self, field_name, field_obj) -> None:
        field_obj.required = True


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
    products = _text_list(TAXONOMY.format("product"))
    notes = fields.String(allow_none=True)
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
    products = _text_list(TAXONOMY.format("product"))
    notes = fields.String(allow_none=True)


class AccountNewSchema(AccountInputSchema):
    name = fields.String(required=True, validate=Length(max=200))
    industry = fields.String(required=True, metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(required=True, validate=OneOf(SEGMENTS))
    region = fields.String(required=True, validate=OneOf(REGIONS))


# Advocates --------------------------------------------------------------------------------


class AdvocateSchema(AnswerSchema):
    id = fields.Integer()
    account_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "The advocate's login."})
    name = fields.String()
    email = fields.String()
    title = fields.String(allow_none=True)
    seniority = fields.String(allow_none=True, validate=OneOf(SENIORITIES))
    products = _text_list(TAXONOMY.format("product"))
    use_cases = _text_list(TAXONOMY.format("use case"))
    languages = _text_list(TAXONOMY.format("language"))
    timezone = fields.String(metadata={"example": "Europe/Berlin"})
    bio = fields.String(allow_none=True)
    status = fields.String(validate=OneOf(ADVOCATE_STATUSES))
    nominated_by_id = fields.Integer(allow_none=True)
    nomination_reason = fields.String(allow_none=True)
    consent_at = fields.DateTime(allow_none=True)
    consent_version = fields.String(allow_none=True)
    activity_types = fields.List(fields.String(validate=OneOf(ACTIVITY_TYPES)))
    max_per_month = fields.Integer(
        allow_none=True, metadata={"description": "Null: the program default applies."}
    )
    max_per_quarter = fields.Integer(
        allow_none=True, metadata={"description": "Null: the program default applies."}
    )
    max_per_year = fields.Integer(
        allow_none=True, metadata={"description": "Null: the program default applies."}
    )
    min_days_between = fields.Integer(
        allow_none=True, metadata={"description": "Cooldown in days; null: program default."}
    )
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))
    paused_until = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AdvocateListSchema(PageSchema):
    items = fields.List(fields.Nested(AdvocateSchema), required=True)


class AdvocateInputSchema(Schema):
    """The fields a client may send; PATCH sends any of them (`status` moves on the lifecycle)."""

    account_id = fields.Integer()
    name = fields.String(validate=Length(max=120))
    email = fields.String()
    title = fields.String(allow_none=True, validate=Length(max=120))
    seniority = fields.String(allow_none=True, validate=OneOf(SENIORITIES))
    products = _text_list(TAXONOMY.format("product"))
    use_cases = _text_list(TAXONOMY.format("use case"))
    languages = _text_list(TAXONOMY.format("language"))
    timezone = fields.String(metadata={"example": "Europe/Berlin"})
    bio = fields.String(allow_none=True, validate=Length(max=2000))
    status = fields.String(
        validate=OneOf(ADVOCATE_STATUSES),
        metadata={"description": "Program team only; a CSM's nomination starts as nominated."},
    )
    nomination_reason = fields.String(allow_none=True, validate=Length(max=2000))
    activity_types = fields.List(fields.String(validate=OneOf(ACTIVITY_TYPES)))
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))


class AdvocateNewSchema(AdvocateInputSchema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=Length(max=120))
    email = fields.String(required=True)
