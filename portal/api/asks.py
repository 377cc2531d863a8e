"""Asks: an advocate sees and answers their own; a requester sees those of their requests;
the program team sees all."""

from __future__ import annotations

from flask import jsonify

from portal.advocates import self_service
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import changed_since, filters, json_body, paginate, query_args
from portal.api.schemas import AskArgsSchema, AskListSchema, AskSchema
from portal.asks import asks
from portal.asks.models import Ask
from portal.errors import DomainError, Forbidden
from portal.extensions import db


@bp.get("/asks")
def list_asks():
    """List asks.
    ---
    get:
      tags: [asks]
      summary: The asks you may see (advocate your own, requester those of your requests,
        program team all), newest first.
      parameters:
        - in: query
          schema: AskArgsSchema
      responses:
        200:
          description: One page of asks.
          content:
            application/json:
              schema: AskListSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    args = query_args(AskArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(asks.asks_query(api_user(), **filters(args)), Ask, since)
    return paginate(query, args, AskListSchema())


@bp.get("/asks/<int:ask_id>")
def get_ask(ask_id: int):
    """Show an ask.
    ---
    get:
      tags: [asks]
      summary: One ask; one you may not see is not found.
      responses:
        200:
          description: The ask, with what it is for.
          content:
            application/json:
              schema: AskSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    return jsonify(AskSchema().dump(asks.get_ask(api_user(), ask_id)))


def _answer(ask_id: int, *, accept: bool):
    actor = api_user()
    if actor.role != "advocate":
        raise Forbidden("Only the advocate who was asked answers an ask.")
    ask = asks.get_ask(actor, ask_id)  # another advocate's ask: 404
    data = json_body()
    try:
        self_service.answer_my_ask(actor, ask, data, accept=accept)
    except DomainError as error:
        db.session.rollback()
        if not error.fields:
            # Too late (or answered already): the ask now shows as it is, then 409.
            asks.expire_overdue_asks(advocate_id=ask.advocate_id)
            db.session.commit()
        raise
    db.session.commit()
    return jsonify(AskSchema().dump(ask))


@bp.post("/asks/<int:ask_id>/accept")
def accept_ask(ask_id: int):
    """Accept an ask.
    ---
    post:
      tags: [asks]
      summary: The advocate accepts their ask, optionally proposing times.
      requestBody:
        required: true
        content:
          application/json:
            schema: AcceptInputSchema
      responses:
        200:
          description: The ask, now accepted.
          content:
            application/json:
              schema: AskSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409:
          description: Answered already, or the time to answer has passed (the ask expired).
          content:
            application/json:
              schema: ErrorSchema
        422: Invalid
    """
    return _answer(ask_id, accept=True)


@bp.post("/asks/<int:ask_id>/decline")
def decline_ask(ask_id: int):
    """Decline an ask.
    ---
    post:
      tags: [asks]
      summary: The advocate declines their ask with a reason (never held against them).
      requestBody:
        required: true
        content:
          application/json:
            schema: DeclineInputSchema
      responses:
        200:
          description: The ask, now declined.
          content:
            application/json:
              schema: AskSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409:
          description: Answered already, or the time to answer has passed (the ask expired).
          content:
            application/json:
              schema: ErrorSchema
        422: Invalid
    """
    return _answer(ask_id, accept=False)
