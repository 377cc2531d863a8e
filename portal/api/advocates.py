"""Advocates: the program team sees all, a CSM those of their accounts, an advocate only self."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.advocates import service as advocates
from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args, takes
from portal.api.schemas.advocates import (
    AdvocateArgsSchema,
    AdvocateInputSchema,
    AdvocateListSchema,
    AdvocateNewSchema,
)
from portal.extensions import db
from portal.webhooks.payloads import AdvocateSchema

# Checked before the lookup: a requester learns nothing, not even which ids exist.
may_read = allow("advocates.view", "advocate.self", message="You can't see advocates.")
may_write = allow("advocates.edit", message="You can't add or change advocates.")


@bp.get("/advocates")
@may_read
def list_advocates():
    """List advocates.
    ---
    get:
      tags: [advocates]
      summary: List the advocates you may see (an advocate sees only self).
      parameters:
        - in: query
          schema: AdvocateArgsSchema
      responses:
        200:
          description: One page of advocates, by name.
          content:
            application/json:
              schema: AdvocateListSchema
    """
    args = query_args(AdvocateArgsSchema())
    query = advocates.advocate_query(api_user(), **filters(args))
    return paginate(query, args, AdvocateListSchema())


@bp.post("/advocates")
@may_write
@takes(AdvocateNewSchema, unknown_by_service=True)
def create_advocate():
    """Add an advocate.
    ---
    post:
      tags: [advocates]
      summary: Add an advocate; a CSM nominates contacts at their own accounts.
      responses:
        201:
          description: The new advocate; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AdvocateSchema
        409: Conflict
    """
    advocate = advocates.create_advocate(api_user(), json_body())
    db.session.commit()
    return created(
        AdvocateSchema().dump(advocate), url_for("api.get_advocate", advocate_id=advocate.id)
    )


@bp.get("/advocates/<int:advocate_id>")
@may_read
def get_advocate(advocate_id: int):
    """Show an advocate.
    ---
    get:
      tags: [advocates]
      summary: One advocate with their preferences; one you may not see is not found.
      responses:
        200:
          description: The advocate.
          content:
            application/json:
              schema: AdvocateSchema
        404: NotFound
    """
    advocate = advocates.get_advocate(api_user(), advocate_id)
    return jsonify(AdvocateSchema().dump(advocate))


@bp.patch("/advocates/<int:advocate_id>")
@may_write
@takes(AdvocateInputSchema, unknown_by_service=True)
def update_advocate(advocate_id: int):
    """Change an advocate.
    ---
    patch:
      tags: [advocates]
      summary: Change the fields sent, keep the others; `status` moves along the lifecycle.
      responses:
        200:
          description: The advocate after the change.
          content:
            application/json:
              schema: AdvocateSchema
        404: NotFound
        409:
          description: The lifecycle refuses the status move, or the e-mail is taken.
          content:
            application/json:
              schema: ErrorSchema
    """
    actor = api_user()
    advocate = advocates.get_advocate(actor, advocate_id)
    advocates.update_advocate(actor, advocate, json_body())
    db.session.commit()
    return jsonify(AdvocateSchema().dump(advocate))
