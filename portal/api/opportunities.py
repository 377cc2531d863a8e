"""CRM deals: the program team upserts them by CRM id; sellers read the deals they may see."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args
from portal.api.schemas import OpportunityArgsSchema, OpportunityListSchema, OpportunitySchema
from portal.auth.permissions import can
from portal.errors import Forbidden
from portal.extensions import db
from portal.opportunities import service as opportunities


def _may_read(actor) -> None:
    # Deals are for the staff who file requests; advocates never see them.
    if not can(actor, "requests.create"):
        raise Forbidden("You can't see opportunities.")


@bp.get("/opportunities")
def list_opportunities():
    """List opportunities.
    ---
    get:
      tags: [opportunities]
      summary: The deals you may see, most recently changed first (with `updated_since`,
        oldest change first).
      description: The program team sees every deal; a requester or CSM the deals they own in
        the CRM (`owner_email`), deals with no owner and deals one of their requests supports.
        For a CRM sync, keep the largest `updated_at` you read and ask again with it as
        `updated_since`.
      parameters:
        - in: query
          schema: OpportunityArgsSchema
      responses:
        200:
          description: One page of opportunities.
          content:
            application/json:
              schema: OpportunityListSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    actor = api_user()
    _may_read(actor)
    args = query_args(OpportunityArgsSchema())
    query = opportunities.opportunities_query(actor, filters(args))
    return paginate(query, args, OpportunityListSchema())


@bp.get("/opportunities/<crm_id>")
def get_opportunity(crm_id: str):
    """Show an opportunity.
    ---
    get:
      tags: [opportunities]
      summary: One deal by its CRM id; one you may not see is not found.
      responses:
        200:
          description: The opportunity.
          content:
            application/json:
              schema: OpportunitySchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = api_user()
    _may_read(actor)
    return jsonify(OpportunitySchema().dump(opportunities.get(actor, crm_id)))


@bp.put("/opportunities/<crm_id>")
def put_opportunity(crm_id: str):
    """Create or change an opportunity by its CRM id.
    ---
    put:
      tags: [opportunities]
      summary: Upsert a deal from the CRM (the program team). Fields not sent stay as they are.
      description: A new deal needs `name` and `outcome`. Sending the same values again
        changes nothing (200, `updated_at` stays). A changed outcome reaches every request
        that supports the deal. A bad `crm_id` or field is refused with 422 naming it, and
        nothing is written.
      requestBody:
        required: true
        content:
          application/json:
            schema: OpportunityInputSchema
      responses:
        200:
          description: The opportunity, changed or as it was.
          content:
            application/json:
              schema: OpportunitySchema
        201:
          description: The new opportunity; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: OpportunitySchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        422: Invalid
    """
    actor = api_user()
    opportunity, action = opportunities.upsert(actor, crm_id, json_body(), source="api")
    db.session.commit()
    body = OpportunitySchema().dump(opportunity)
    if action == "created":
        return created(body, url_for("api.get_opportunity", crm_id=opportunity.crm_id))
    return jsonify(body)
