"""What a webhook call carries: the object an event is about, as the API shows it.

The schemas of the objects events carry (asks, requests, claims, advocates, deals) live here,
and the JSON API answers with the same ones (`portal.api.schemas` imports them): one shape for
both. This package never imports the API (ARCHITECTURE.md, import rules).
"""

from __future__ import annotations

import json
import uuid

from marshmallow import Schema, fields
from marshmallow.experimental.context import Context
from marshmallow.validate import OneOf

from portal.database import now_utc
from portal.events import Event
from portal.vocab import (
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    ASK_STATUSES,
    CLAIM_STATUSES,
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    OPPORTUNITY_OUTCOMES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    STAGE_GROUPS,
)

TAXONOMY = "A value of the program's {} taxonomy."
CUSTOM_VALUES = (
    "The administrators' own fields (GET /settings/custom-fields), key -> value: text, a "
    "number, a date as YYYY-MM-DD, a choice as its term's value (a list when the field takes "
    "several). Values of retired fields stay."
)

# An amount as answered: a decimal string with cents (exact, unlike a JSON number).
MONEY_OUT = {"type": "string", "format": "decimal", "example": "250000.00"}


def text_list(description: str):
    return fields.List(fields.String(), metadata={"description": description})


class AnswerSchema(Schema):
    """An object the API answers with: every field is always there (null where allowed)."""

    def on_bind_field(self, field_name, field_obj) -> None:
        field_obj.required = True


def claim_figures():
    """The page's ClaimFigures when the list was dumped with them (api.common.paginate's
    `context`), so each row reads no more; a single object reads its own."""
    return Context.get(default={}).get("claim_figures")


class AdvocateSchema(AnswerSchema):
    id = fields.Integer()
    account_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "The advocate's login."})
    name = fields.String()
    email = fields.String()
    title = fields.String(allow_none=True)
    seniority = fields.String(allow_none=True, validate=OneOf(SENIORITIES))
    products = text_list(TAXONOMY.format("product"))
    use_cases = text_list(TAXONOMY.format("use case"))
    languages = text_list(TAXONOMY.format("language"))
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
    custom_fields = fields.Dict(
        keys=fields.String(),
        metadata={"description": CUSTOM_VALUES},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AskRequestSchema(AnswerSchema):
    """What the ask is for: the request, as the advocate sees it."""

    id = fields.Integer()
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    prospect_company = fields.String(allow_none=True)
    context = fields.String(allow_none=True, metadata={"description": "The requester's words."})
    needed_by = fields.Date()
    requester_id = fields.Integer()
    requester_name = fields.String(attribute="requester.name")


class AskSchema(AnswerSchema):
    id = fields.Integer()
    request_id = fields.Integer()
    advocate_id = fields.Integer()
    status = fields.String(validate=OneOf(ASK_STATUSES))
    asked_at = fields.DateTime()
    respond_by = fields.DateTime(metadata={"description": "Answers after this are refused."})
    responded_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True, validate=OneOf(DECLINE_REASONS))
    note = fields.String(allow_none=True)
    personal_note = fields.String(
        allow_none=True,
        metadata={"description": "The note of whoever placed the ask, sent to the advocate."},
    )
    proposed_times = fields.String(allow_none=True)
    scheduled_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    requester_rating = fields.Integer(allow_none=True)
    advocate_feedback = fields.String(allow_none=True)
    request = fields.Nested(AskRequestSchema)


class CriteriaSchema(Schema):
    industries = text_list(TAXONOMY.format("industry"))
    products = text_list(TAXONOMY.format("product"))
    use_cases = text_list(TAXONOMY.format("use case"))
    regions = fields.List(fields.String(validate=OneOf(REGIONS)))
    segments = fields.List(fields.String(validate=OneOf(SEGMENTS)))
    seniorities = fields.List(fields.String(validate=OneOf(SENIORITIES)))
    languages = text_list(TAXONOMY.format("language"))
    custom = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Custom fields used in matching (GET /settings/custom-fields, "
            '`match_criterion`): {key: [values]}, such as {"job_function": ["cio"]}.'
        },
    )


class OpportunitySchema(Schema):
    """A CRM deal (PUT /opportunities/<crm_id> upserts it; requests link to it)."""

    id = fields.Integer()
    crm_id = fields.String(metadata={"description": "The CRM's id of the deal; the key."})
    name = fields.String()
    account_name = fields.String(allow_none=True, metadata={"description": "As the CRM names it."})
    account_crm_id = fields.String(allow_none=True)
    account_id = fields.Integer(
        allow_none=True, metadata={"description": "The program's account, when it is one."}
    )
    amount = fields.Decimal(allow_none=True, as_string=True, places=2, metadata=MONEY_OUT)
    currency = fields.String(metadata={"description": "ISO 4217 code, such as USD."})
    stage = fields.String(allow_none=True, metadata={"description": "The CRM's stage name."})
    stage_group = fields.String(
        allow_none=True,
        validate=OneOf(STAGE_GROUPS),
        metadata={"description": "early, middle or late while open."},
    )
    close_date = fields.Date(allow_none=True)
    opened_on = fields.Date(allow_none=True, metadata={"description": "The CRM's created date."})
    outcome = fields.String(validate=OneOf(OPPORTUNITY_OUTCOMES))
    owner_email = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "request, csv, api or form: how it came in."})
    outcome_changed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class RequestSchema(AnswerSchema):
    id = fields.Integer()
    requester_id = fields.Integer()
    manager_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(
        allow_none=True, metadata={"description": "The deal (GET /opportunities) it supports."}
    )
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    opportunity_name = fields.String(allow_none=True)
    opportunity_crm_id = fields.String(allow_none=True)
    opportunity_amount = fields.Decimal(
        allow_none=True, as_string=True, places=2, metadata=MONEY_OUT
    )
    opportunity_stage = fields.String(allow_none=True)
    opportunity_close_date = fields.Date(allow_none=True)
    opportunity_outcome = fields.String(metadata={"description": "open, won or lost."})
    prospect_company = fields.String(allow_none=True)
    criteria = fields.Nested(CriteriaSchema)
    needed_by = fields.Date()
    advocates_needed = fields.Integer()
    context = fields.String(allow_none=True)
    status = fields.String(
        metadata={"description": "draft, submitted, in_progress, fulfilled, completed, ..."}
    )
    status_reason = fields.String(allow_none=True)
    rush = fields.Boolean(
        metadata={"description": "Filed inside its activity type's lead time, as a rush."}
    )
    rush_reason = fields.String(allow_none=True, metadata={"description": "Why it's a rush."})
    notice_days = fields.Integer(
        allow_none=True,
        metadata={"description": "Working days (Mon-Fri) of notice given when filed; null: draft."},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ClaimSchema(AnswerSchema):
    id = fields.Integer()
    benefit_id = fields.Integer()
    advocate_id = fields.Integer()
    status = fields.String(validate=OneOf(CLAIM_STATUSES))
    details = fields.Dict(
        metadata={"description": "talk_title and abstract (speaking slot), statement (board)."}
    )
    waitlist_position = fields.Function(
        lambda c: _position(c), metadata={"description": "1 is next; null unless waitlisted."}
    )
    decided_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decision_note = fields.String(allow_none=True)
    created_at = fields.DateTime()


def _position(claim):
    from portal.benefits.claims import waitlist_position

    figures = claim_figures()
    return figures.position(claim) if figures is not None else waitlist_position(claim)


# Which schema dumps the object of an event, by the event's entity (table name).
DUMPERS: dict[str, type[Schema]] = {
    "asks": AskSchema,
    "reference_requests": RequestSchema,
    "claims": ClaimSchema,
    "advocates": AdvocateSchema,
    "opportunities": OpportunitySchema,
}


def event_object(event: Event) -> dict | None:
    """The object `event` is about, as the API shows it (None for other entities)."""
    schema = DUMPERS.get(event.entity)
    return schema().dump(event.obj) if schema else None


def payload(event: Event) -> str:
    """The JSON body of a webhook call for `event`."""
    body = {
        "id": str(uuid.uuid4()),
        "event": event.action,
        "occurred_at": now_utc().isoformat(),
        "entity": event.entity,
        "entity_id": event.entity_id,
        "actor_id": getattr(event.actor, "id", None),
        "data": event.data,
        "object": event_object(event),
    }
    return json.dumps(body, default=str, sort_keys=True)
