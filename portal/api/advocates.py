"""Advocates: the program team sees all, a CSM those of their accounts, an advocate only self."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.advocates import service as advocates
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args
from portal.api.schemas import AdvocateArgsSchema, AdvocateListSchema, AdvocateSchema
from portal.auth.permissions import can
from portal.errors import Forbidden
from portal.extensions import db


def _may_read(actor) -> None:
    # Checked before the lookup: a requester learns nothing, not even which ids exist.
    if not (can(actor, "advocates.view") or can(actor, "advocate.self")):
        raise Forbidden("You can't see advocates.")


def _may_write(actor) -> None:
    if not can(actor, "advocates.edit"):
        raise Forbidden("You can't add or change advocates.")


@bp.get("/advocates")
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
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    actor = api_user()
    _may_read(actor)
    args = query_args(AdvocateArgsSchema())
    query = advocates.advocate_query(actor, **filters(args))
    return paginate(query, args, AdvocateListSchema())


@bp.post("/advocates")
def create_advocate():
    """Add an advocate.
    ---
    post:
      tags: [advocates]
      summary: Add an advocate; a CSM nominates contacts at their own accounts.
      requestBody:
        required: true
        content:
          application/json:
            schema: AdvocateNewSchema
      responses:
        201:
          description: The new advocate; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AdvocateSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        409: Conflict
        422: Invalid
    """
    actor = api_user()
    _may_write(actor)
    advocate = advocates.create_advocate(actor, json_body())
    db.session.commit()
    return created(
        AdvocateSchema().dump(advocate), url_for("api.get_advocate", advocate_id=advocate.id)
    )


@bp.get("/advocates/<int:advocate_id>")
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
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = api_user()
    _may_read(actor)
    advocate = advocates.get_advocate(actor, advocate_id)
    return jsonify(AdvocateSchema().dump(advocate))


@bp.patch("/advocates/<int:advocate_id>")
def update_advocate(advocate_id: int):
    """Change an advocate.
    ---
    patch:
      tags: [advocates]
      summary: Change the fields sent, keep the others; `status` moves along the lifecycle.
      requestBody:
        required: true
        content:
          application/json:
            schema: AdvocateInputSchema
      responses:
        200:
          description: The advocate after the change.
          content:
            application/json:
              schema: AdvocateSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409:
          description: The lifecycle refuses the status move, or the e-mail is taken.
          content:
            application/json:
              schema: ErrorSchema
        422: Invalid
    """
    actor = api_user()
    _may_write(actor)
    advocate = advocates.get_advocate(actor, advocate_id)
    advocates.update_advocate(actor, advocate, json_body())
    db.session.commit()
    return jsonify(AdvocateSchema().dump(advocate))
