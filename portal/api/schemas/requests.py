"""Reference requests and their matches: answers, query arguments and request bodies."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import Checked, CheckedString, PageArgsSchema, PageSchema, Since
from portal.asks.matching import OFFER_LIMIT
from portal.vocab import ACTIVITY_TYPES, OPPORTUNITY_OUTCOMES
from portal.webhooks.payloads import CriteriaSchema, RequestSchema


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


_SUBMITTED_OR_DRAFT = "Must be submitted or draft."


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
    status = CheckedString(
        validate=OneOf(("submitted", "draft"), error=_SUBMITTED_OR_DRAFT),
        error_messages={"null": _SUBMITTED_OR_DRAFT, "invalid": _SUBMITTED_OR_DRAFT},
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


class RespondBy(Checked, fields.DateTime):
    """An ISO 8601 date-time (no offset: UTC), or a date: the end of that day; null: the
    program's default."""

    def deserialize(self, value, attr=None, data=None, **kwargs) -> dt.datetime | None:
        if value is missing or value is None:
            return value
        problem = "Use an ISO 8601 date-time, such as 2026-12-01T17:00:00Z."
        if not isinstance(value, str):
            raise ValidationError(problem)
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(problem) from None
        if len(value.strip()) == 10:  # a date: the end of that day
            parsed = parsed.replace(hour=23, minute=59)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class PlaceAskInputSchema(Schema):
    advocate_id = fields.Integer(required=True)
    respond_by = RespondBy(
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
