"""Nominations: any staff member nominates a contact; each follows their own (the program
team: everyone's) with the stage each reached."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from portal.advocates.models import NOMINATION_SOURCES
from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, query_args, takes
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.auth.permissions import can
from portal.extensions import db
from portal.nominations import service as nominations
from portal.webhooks.payloads import AnswerSchema


class NominationArgsSchema(PageArgsSchema):
    stage = fields.String(validate=OneOf(nominations.STAGES))
    all = fields.Boolean(
        load_default=False,
        metadata={"description": "The program team: everyone's nominations, not only yours."},
    )


class ObjectionSchema(AnswerSchema):
    reason = fields.String(
        allow_none=True,
        metadata={"description": "The CSM's reason: the program team's only (else null)."},
    )
    objected_at = fields.DateTime()
    resolution = fields.String(allow_none=True, metadata={"description": "upheld or overruled"})
    resolved_at = fields.DateTime(allow_none=True)


class NominationSchema(AnswerSchema):
    id = fields.Integer(metadata={"description": "The nominee's advocate id."})
    advocate_id = fields.Integer()
    account_id = fields.Integer()
    account_name = fields.String()
    name = fields.String()
    email = fields.String()
    title = fields.String(allow_none=True)
    nomination_source = fields.String(metadata={"enum": list(NOMINATION_SOURCES)})
    nominated_by_id = fields.Integer(allow_none=True)
    nomination_reason = fields.String(allow_none=True)
    nominated_at = fields.DateTime()
    status = fields.String(metadata={"description": "The advocate's status."})
    stage = fields.String(
        metadata={"description": "The status, or `objected` while a CSM objection holds it."}
    )
    stage_at = fields.DateTime(metadata={"description": "Since when it is at this stage."})
    objection = fields.Nested(ObjectionSchema, allow_none=True)


class NominationListSchema(PageSchema):
    items = fields.List(fields.Nested(NominationSchema), required=True)


class NominationInputSchema(Schema):
    account_id = fields.Integer(metadata={"description": "The account; or give `account`."})
    account = fields.String(validate=Length(max=200), metadata={"description": "Its name."})
    name = fields.String(required=True, validate=Length(max=120))
    email = fields.String(required=True, validate=Length(max=254))
    title = fields.String(allow_none=True, validate=Length(max=120))
    reason = fields.String(required=True, validate=Length(max=2000))


def _dump(row: nominations.NominationRow, actor) -> dict:
    advocate, objection = row.advocate, row.objection
    return {
        "id": advocate.id,
        "advocate_id": advocate.id,
        "account_id": advocate.account_id,
        "account_name": advocate.account.name,
        "name": advocate.name,
        "email": advocate.email,
        "title": advocate.title,
        "nomination_source": advocate.nomination_source,
        "nominated_by_id": advocate.nominated_by_id,
        "nomination_reason": advocate.nomination_reason,
        "nominated_at": advocate.created_at,
        "status": advocate.status,
        "stage": row.stage,
        "stage_at": row.at,
        "objection": None
        if objection is None
        else {
            # The nominator sees only that it is on hold (as on the page), never the CSM's why.
            "reason": objection.reason if can(actor, "program.manage") else None,
            "objected_at": objection.created_at,
            "resolution": objection.resolution,
            "resolved_at": objection.resolved_at,
        },
    }


@bp.get("/nominations")
@allow("advocates.nominate", message="Only staff members have nominations.")
def list_nominations():
    """List nominations.
    ---
    get:
      tags: [nominations]
      summary: Your nominations, newest first, with the stage each reached (the program team
        with `all=true`, everyone's).
      parameters:
        - in: query
          schema: NominationArgsSchema
      responses:
        200:
          description: One page of nominations.
          content:
            application/json:
              schema: NominationListSchema
    """
    actor = api_user()
    args = query_args(NominationArgsSchema())
    everyone = bool(args.get("all")) and can(actor, "program.manage")
    page = db.paginate(
        nominations.nominations_query(actor, everyone=everyone, stage=args.get("stage")),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
        count=True,
    )
    body = {
        "items": [_dump(row, actor) for row in nominations.rows_of(page.items)],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": page.total,
    }
    return jsonify(NominationListSchema().dump(body))


@bp.post("/nominations")
@allow("advocates.nominate", message="Only staff members nominate contacts.")
@takes(NominationInputSchema)
def create_nomination():
    """Nominate a contact.
    ---
    post:
      tags: [nominations]
      summary: Nominate a contact at a customer account (any staff member). The account's
        customer success manager is told and may object within the program's window.
      description: Name the account by `account_id` or by its exact name in `account`. 409
        when the e-mail is already known to the program (no second advocate is made); 422
        names each bad field.
      responses:
        201:
          description: The nomination; `Location` is the list of yours.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: NominationSchema
        409: Conflict
    """
    actor = api_user()
    advocate = nominations.nominate_contact(actor, json_body())
    db.session.commit()
    row = nominations.rows_of([advocate])[0]
    body = NominationSchema().dump(_dump(row, actor))
    return created(body, url_for("api.list_nominations"))
