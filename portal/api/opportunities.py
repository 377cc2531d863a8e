"""CRM deals: the program team upserts them by CRM id; sellers read the deals they may see."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args, takes
from portal.api.schemas.opportunities import (
    OpportunityArgsSchema,
    OpportunityInputSchema,
    OpportunityListSchema,
)
from portal.extensions import db
from portal.opportunities import service as opportunities
from portal.webhooks.payloads import OpportunitySchema

# Deals are for the staff who file requests; advocates never see them.
may_read = allow("requests.create", message="You can't see opportunities.")


@bp.get("/opportunities")
@may_read
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
    """
    args = query_args(OpportunityArgsSchema())
    query = opportunities.opportunities_query(api_user(), filters(args))
    return paginate(query, args, OpportunityListSchema())


@bp.get("/opportunities/<crm_id>")
@may_read
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
        404: NotFound
    """
    return jsonify(OpportunitySchema().dump(opportunities.get(api_user(), crm_id)))


@bp.put("/opportunities/<crm_id>")
@allow("program.manage", message="Only the reference team manages opportunities.")
@takes(OpportunityInputSchema, unknown_by_service=True)
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
    """
    actor = api_user()
    opportunity, action = opportunities.upsert(actor, crm_id, json_body(), source="api")
    db.session.commit()
    body = OpportunitySchema().dump(opportunity)
    if action == "created":
        return created(body, url_for("api.get_opportunity", crm_id=opportunity.crm_id))
    return jsonify(body)
