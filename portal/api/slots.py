"""Times to meet for an accepted ask: one side offers one to three, the other picks one, and the
pick schedules the ask (both attendees get the calendar invitation)."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from portal.api.auth import ANY_USER, allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, paginate, query_args, takes
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.asks import asks, slots
from portal.asks.slot_models import SLOT_PROPOSERS, SLOT_STATUSES
from portal.extensions import db
from portal.webhooks.payloads import AnswerSchema


class AskSlotSchema(AnswerSchema):
    id = fields.Integer()
    ask_id = fields.Integer()
    starts_at = fields.DateTime(metadata={"description": "When it starts, in UTC."})
    proposed_by = fields.String(
        validate=OneOf(SLOT_PROPOSERS),
        metadata={"description": "The advocate, the requester or the program team."},
    )
    status = fields.String(
        validate=OneOf(SLOT_STATUSES),
        metadata={"description": "`offered` (open), `picked` (booked) or `withdrawn`."},
    )
    created_at = fields.DateTime()


class AskSlotListSchema(PageSchema):
    items = fields.List(fields.Nested(AskSlotSchema), required=True)


class AskSlotsOfferedSchema(AnswerSchema):
    items = fields.List(fields.Nested(AskSlotSchema))


class AskSlotArgsSchema(PageArgsSchema):
    status = fields.String(validate=OneOf(SLOT_STATUSES))


class AskSlotsInputSchema(Schema):
    starts_at = fields.List(
        fields.String(metadata={"format": "date-time"}),
        required=True,
        validate=Length(min=1, max=slots.MAX_SLOTS),
        metadata={
            "description": "One to three distinct times with their UTC offset, from an hour to "
            "90 days ahead (seconds are dropped).",
            "example": ["2027-01-12T15:00:00+01:00", "2027-01-13T09:30:00+01:00"],
        },
    )


@bp.get("/asks/<int:ask_id>/slots")
@allow(ANY_USER)
def list_ask_slots(ask_id: int):
    """List the times offered on an ask.
    ---
    get:
      tags: [asks]
      summary: Every time offered on the ask, the newest round first.
      description: For the ask's advocate, the requester of its request and the program team.
        The open round is the times with status `offered`.
      parameters:
        - in: query
          schema: AskSlotArgsSchema
      responses:
        200:
          description: One page of times.
          content:
            application/json:
              schema: AskSlotListSchema
        403: Forbidden
        404: NotFound
    """
    actor = api_user()
    ask = asks.get_ask(actor, ask_id)
    args = query_args(AskSlotArgsSchema())
    return paginate(slots.slots_query(actor, ask, args.get("status")), args, AskSlotListSchema())


@bp.post("/asks/<int:ask_id>/slots")
@allow(ANY_USER)
@takes(AskSlotsInputSchema)
def offer_ask_slots(ask_id: int):
    """Offer times for an accepted ask.
    ---
    post:
      tags: [asks]
      summary: Offer one to three times; the other side is e-mailed a link to pick one.
      description: The advocate offers on their own ask; the requester (or the program team)
        on an ask of their request, and then the advocate picks. A new offer withdraws the
        times still open. On an ask that already has a date, a pick moves it.
      responses:
        201:
          description: The times offered; `Location` lists the ask's times.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AskSlotsOfferedSchema
        403: Forbidden
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    ask = asks.get_ask(actor, ask_id)
    offered = slots.offer_slots(actor, ask, json_body().get("starts_at"))
    db.session.commit()
    body = AskSlotsOfferedSchema().dump({"items": offered})
    return created(body, url_for("api.list_ask_slots", ask_id=ask.id))


@bp.post("/asks/<int:ask_id>/slots/<int:slot_id>/pick")
@allow(ANY_USER)
def pick_ask_slot(ask_id: int, slot_id: int):
    """Pick one of the times the other side offered.
    ---
    post:
      tags: [asks]
      summary: Book an offered time; it schedules the ask (or moves it) and both attendees
        get the calendar invitation.
      description: The requester or the program team picks the advocate's times; the advocate
        picks the times the requester's side offered. A withdrawn, booked or past time is
        refused with 409. No body is needed.
      responses:
        200:
          description: The picked time.
          content:
            application/json:
              schema: AskSlotSchema
        403: Forbidden
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    ask = asks.get_ask(actor, ask_id)
    slot = slots.pick_slot(actor, ask, slot_id)
    db.session.commit()
    return jsonify(AskSlotSchema().dump(slot))
