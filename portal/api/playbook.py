"""The requesters' playbook: every staff member reads it, the program team changes it."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.extensions import db
from portal.playbook import service
from portal.vocab import ACTIVITY_TYPES, STAGE_GROUPS
from portal.webhooks.payloads import AnswerSchema


class PlaybookEntrySchema(AnswerSchema):
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    label = fields.String(metadata={"description": "The activity type in words."})
    stages = fields.List(
        fields.String(validate=OneOf(STAGE_GROUPS)),
        metadata={"description": "The sales stages (early, middle, late) the activity fits."},
    )
    lead_time_days = fields.Integer(
        metadata={
            "description": "The program's lead time (working days of notice; GET "
            "/settings/lead-times). Read-only here."
        }
    )
    brief = fields.String(metadata={"description": "How to brief an advocate (Markdown-lite)."})
    brief_html = fields.String(
        metadata={"description": "The brief rendered and sanitised, as the pages show it."}
    )
    dos = fields.List(fields.String(), metadata={"description": "Do's, one per item."})
    donts = fields.List(fields.String(), metadata={"description": "Don'ts, one per item."})
    updated_at = fields.DateTime(allow_none=True)


class PlaybookListSchema(AnswerSchema):
    items = fields.List(fields.Nested(PlaybookEntrySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PlaybookEntryInputSchema(Schema):
    stages = fields.List(
        fields.String(validate=OneOf(STAGE_GROUPS)),
        required=True,
        validate=Length(min=1),
        metadata={"example": ["early", "middle"]},
    )
    brief = fields.String(
        required=True,
        validate=Length(min=1, max=service.BRIEF_MAX),
        metadata={"description": "Plain paragraphs or Markdown-lite; HTML is refused."},
    )
    dos = fields.String(
        validate=Length(max=service.LIST_MAX),
        metadata={"description": f"One a line, at most {service.LIST_LINES_MAX}."},
    )
    donts = fields.String(
        validate=Length(max=service.LIST_MAX),
        metadata={"description": f"One a line, at most {service.LIST_LINES_MAX}."},
    )


@bp.get("/playbook")
@allow("requests.create", message="The playbook is for staff who file requests.")
def list_playbook():
    """The playbook.
    ---
    get:
      tags: [playbook]
      summary: Every activity type's playbook entry for staff. The sales stages it fits, the lead
        time, how to brief an advocate, do's and don'ts. One page holds every activity type.
      responses:
        200:
          description: One entry per activity type, in the program's order.
          content:
            application/json:
              schema: PlaybookListSchema
    """
    items = [e.to_dict() for e in service.playbook()]
    body = {"items": items, "page": 1, "per_page": len(items), "total": len(items)}
    return jsonify(PlaybookListSchema().dump(body))


@bp.put("/playbook/<activity_type>")
@allow("program.manage", message="Only the program team changes the playbook.")
@takes(PlaybookEntryInputSchema, unknown_by_service=True)
def put_playbook_entry(activity_type: str):
    """Change an entry.
    ---
    put:
      tags: [playbook]
      summary: Replace one activity type's entry (program team). Audited. Bad input is refused
        with 422 naming each field, and nothing is written.
      responses:
        200:
          description: The entry after the change.
          content:
            application/json:
              schema: PlaybookEntrySchema
        404: NotFound
    """
    found, _ = service.update_entry(api_user(), activity_type, json_body())
    db.session.commit()
    return jsonify(PlaybookEntrySchema().dump(found.to_dict()))
