"""Accounts: customer success, reference managers and administrators."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.accounts import service as accounts
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args
from portal.api.schemas import AccountArgsSchema, AccountListSchema, AccountSchema
from portal.auth.permissions import can
from portal.errors import Forbidden
from portal.extensions import db


@bp.get("/accounts")
def list_accounts():
    """List accounts.
    ---
    get:
      tags: [accounts]
      summary: List accounts, filtered and paginated.
      parameters:
        - in: query
          schema: AccountArgsSchema
      responses:
        200:
          description: One page of accounts, by name.
          content:
            application/json:
              schema: AccountListSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    args = query_args(AccountArgsSchema())
    query = accounts.account_query(api_user(), **filters(args))
    return paginate(query, args, AccountListSchema())


@bp.post("/accounts")
def create_account():
    """Create an account.
    ---
    post:
      tags: [accounts]
      summary: Log a customer account; a CSM becomes its CSM.
      requestBody:
        required: true
        content:
          application/json:
            schema: AccountNewSchema
      responses:
        201:
          description: The new account; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AccountSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        409: Conflict
        422: Invalid
    """
    actor = api_user()
    if not can(actor, "accounts.edit"):
        raise Forbidden("You can't add accounts.")
    account = accounts.create_account(actor, json_body())
    db.session.commit()
    return created(AccountSchema().dump(account), url_for("api.get_account", account_id=account.id))


@bp.get("/accounts/<int:account_id>")
def get_account(account_id: int):
    """Show an account.
    ---
    get:
      tags: [accounts]
      summary: One account.
      responses:
        200:
          description: The account.
          content:
            application/json:
              schema: AccountSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    account = accounts.get_account(api_user(), account_id)
    return jsonify(AccountSchema().dump(account))


@bp.patch("/accounts/<int:account_id>")
def update_account(account_id: int):
    """Change an account.
    ---
    patch:
      tags: [accounts]
      summary: Change the fields sent, keep the others. A CSM changes only their own accounts.
      requestBody:
        required: true
        content:
          application/json:
            schema: AccountInputSchema
      responses:
        200:
          description: The account after the change.
          content:
            application/json:
              schema: AccountSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: Conflict
        422: Invalid
    """
    actor = api_user()
    account = accounts.get_account(actor, account_id)
    accounts.update_account(actor, account, json_body())
    db.session.commit()
    return jsonify(AccountSchema().dump(account))
