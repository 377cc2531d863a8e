"""Benefits, claims and the points ledger: answers, query arguments and request bodies."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.schemas.common import PageArgsSchema, PageSchema, Since
from portal.benefits.models import ELIGIBILITY_RULES
from portal.vocab import BENEFIT_KINDS, CLAIM_STATUSES, LEDGER_REASONS
from portal.webhooks.payloads import AnswerSchema, ClaimSchema, claim_figures


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
