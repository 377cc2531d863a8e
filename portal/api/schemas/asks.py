"""Asks: answers, query arguments and the answers an advocate or requester sends."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import PageArgsSchema, PageSchema, Since
from portal.vocab import ACTIVITY_TYPES, ASK_STATUSES, DECLINE_REASONS
from portal.webhooks.payloads import AskSchema


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


class CompleteAskInputSchema(Schema):
    rating = fields.Integer(
        validate=Range(min=1, max=5), metadata={"description": "Required from the requester."}
    )
    feedback = fields.String(allow_none=True, validate=Length(max=5000))
