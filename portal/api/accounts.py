"""Accounts: customer success, reference managers and administrators."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.accounts import service as accounts
from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, filters, json_body, paginate, query_args, takes
from portal.api.schemas.accounts import (
    AccountArgsSchema,
    AccountInputSchema,
    AccountListSchema,
    AccountNewSchema,
    AccountSchema,
)
from portal.extensions import db

SEE = "You can't see accounts."


@bp.get("/accounts")
@allow("accounts.view", message=SEE)
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
    """
    args = query_args(AccountArgsSchema())
    query = accounts.account_query(api_user(), **filters(args))
    return paginate(query, args, AccountListSchema())


@bp.post("/accounts")
@allow("accounts.edit", message="You can't add accounts.")
@takes(AccountNewSchema, unknown_by_service=True)
def create_account():
    """Create an account.
    ---
    post:
      tags: [accounts]
      summary: Log a customer account; a CSM becomes its CSM.
      responses:
        201:
          description: The new account; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AccountSchema
        409: Conflict
    """
    account = accounts.create_account(api_user(), json_body())
    db.session.commit()
    return created(AccountSchema().dump(account), url_for("api.get_account", account_id=account.id))


@bp.get("/accounts/<int:account_id>")
@allow("accounts.view", message=SEE)
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
        404: NotFound
    """
    account = accounts.get_account(api_user(), account_id)
    return jsonify(AccountSchema().dump(account))


@bp.patch("/accounts/<int:account_id>")
@allow("accounts.edit", message=SEE)
@takes(AccountInputSchema, unknown_by_service=True)
def update_account(account_id: int):
    """Change an account.
    ---
    patch:
      tags: [accounts]
      summary: Change the fields sent, keep the others. A CSM changes only their own accounts.
      responses:
        200:
          description: The account after the change.
          content:
            application/json:
              schema: AccountSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    account = accounts.get_account(actor, account_id)
    accounts.update_account(actor, account, json_body())
    db.session.commit()
    return jsonify(AccountSchema().dump(account))
