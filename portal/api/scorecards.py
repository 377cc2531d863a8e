"""Scorecards (portal.recognition): a person's own, or everyone's for the program team and
executives."""

from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import BadRequest, query_args
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.errors import ValidationFailed
from portal.recognition import service
from portal.webhooks.payloads import AnswerSchema


class ScorecardArgsSchema(PageArgsSchema):
    period = fields.String(
        metadata={
            "description": "A quarter (2026-Q4), a month (2026-12) or a year (2026); "
            "default: this quarter."
        }
    )


class AccountFiguresSchema(AnswerSchema):
    activated = fields.Integer(
        metadata={
            "description": "Advocates at the CSM's accounts nominated in the period who "
            "joined the program."
        }
    )
    references_delivered = fields.Integer(
        metadata={"description": "Activities completed in the period at the CSM's accounts."}
    )
    points_earned = fields.Integer(
        metadata={"description": "Activity points their advocates earned in the period."}
    )


class ScorecardSchema(AnswerSchema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    team = fields.String(required=True, allow_none=True)
    nominations = fields.Integer(
        required=True, metadata={"description": "Contacts nominated in the period."}
    )
    activated = fields.Integer(
        required=True, metadata={"description": "Of those, the ones who joined the program."}
    )
    references_delivered = fields.Integer(
        required=True,
        metadata={"description": "Activities completed in the period by advocates they nominated."},
    )
    accounts = fields.Nested(
        AccountFiguresSchema,
        allow_none=True,
        metadata={
            "description": "A customer success manager's accounts' figures; null for everyone else."
        },
    )


class ScorecardListSchema(PageSchema):
    period = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True, metadata={"description": "The period's last day."})
    items = fields.List(fields.Nested(ScorecardSchema), required=True)


@bp.get("/scorecards")
@allow("recognition.view", message="Only staff and executives see scorecards.")
def list_scorecards():
    """Scorecards of nominators and customer success managers.
    ---
    get:
      tags: [recognition]
      summary: Your scorecard; the program team and executives get everyone's.
      description: Nominations made in the period, how many of them joined the program, and the
        activities their advocates completed; for a CSM also their accounts' figures. An unknown
        period is refused with 400 naming `period`.
      parameters:
        - in: query
          schema: ScorecardArgsSchema
      responses:
        200:
          description: One page of scorecards, by name.
          content:
            application/json:
              schema: ScorecardListSchema
    """
    viewer = api_user()
    args = query_args(ScorecardArgsSchema())
    try:
        period = service.parse_period(args.get("period"))
    except ValidationFailed as error:
        raise BadRequest(error.message, fields=error.fields) from None
    cards = service.scorecards(viewer, period).cards
    page, per_page = args["page"], args["per_page"]
    shown = cards[(page - 1) * per_page : page * per_page]
    return jsonify(
        ScorecardListSchema().dump(
            {
                "period": period.key,
                "start": period.start,
                "end": period.last_day,
                "items": [card.as_dict() for card in shown],
                "page": page,
                "per_page": per_page,
                "total": len(cards),
            }
        )
    )
