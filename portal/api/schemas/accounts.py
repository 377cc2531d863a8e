"""Accounts: answers, query arguments and request bodies."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import CUSTOM_INPUT, PageArgsSchema, PageSchema, Since
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS
from portal.webhooks.payloads import CUSTOM_VALUES, TAXONOMY, AnswerSchema, text_list


class AccountArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Part of the name, domain or CRM id."}
    )
    status = fields.String(validate=OneOf(ACCOUNT_STATUSES))
    industry = fields.String(metadata={"description": TAXONOMY.format("industry")})
    region = fields.String(validate=OneOf(REGIONS))
    segment = fields.String(validate=OneOf(SEGMENTS))
    updated_since = Since(metadata={"description": "Changed at or after this date or time."})


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
