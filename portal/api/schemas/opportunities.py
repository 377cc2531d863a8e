"""CRM deals: answers, query arguments and the upsert body."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import PageArgsSchema, PageSchema, Since
from portal.vocab import OPPORTUNITY_OUTCOMES, STAGE_GROUPS
from portal.webhooks.payloads import OpportunitySchema


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
