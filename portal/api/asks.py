"""Asks: an advocate sees and answers their own; a requester sees those of their requests;
the program team sees all."""

from __future__ import annotations

from flask import jsonify

from portal.advocates import self_service
from portal.api.auth import ANY_USER, allow, api_user
from portal.api.blueprint import bp
from portal.api.common import changed_since, filters, json_body, paginate, query_args, takes
from portal.api.schemas.asks import (
    AcceptInputSchema,
    AskArgsSchema,
    AskListSchema,
    DeclineInputSchema,
)
from portal.asks import asks
from portal.asks.models import Ask
from portal.errors import DomainError
from portal.extensions import db
from portal.webhooks.payloads import AskSchema

may_answer = allow("advocate.self", message="Only the advocate who was asked answers an ask.")


@bp.get("/asks")
@allow(ANY_USER)
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
        403: Forbidden
    """
    args = query_args(AskArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(asks.asks_query(api_user(), **filters(args)), Ask, since)
    return paginate(query, args, AskListSchema())


@bp.get("/asks/<int:ask_id>")
@allow(ANY_USER)
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
        403: Forbidden
        404: NotFound
    """
    return jsonify(AskSchema().dump(asks.get_ask(api_user(), ask_id)))


def _answer(ask_id: int, *, accept: bool):
    actor = api_user()
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


_ANSWER_DOC = """{verb} an ask.
    ---
    post:
      tags: [asks]
      summary: {summary}
      responses:
        200:
          description: The ask, now {state}.
          content:
            application/json:
              schema: AskSchema
        404: NotFound
        409:
          description: Answered already, or the time to answer has passed (the ask expired).
          content:
            application/json:
              schema: ErrorSchema
    """


@bp.post("/asks/<int:ask_id>/accept")
@may_answer
@takes(AcceptInputSchema, unknown_by_service=True)
def accept_ask(ask_id: int):
    return _answer(ask_id, accept=True)


@bp.post("/asks/<int:ask_id>/decline")
@may_answer
@takes(DeclineInputSchema, unknown_by_service=True)
def decline_ask(ask_id: int):
    return _answer(ask_id, accept=False)


accept_ask.__doc__ = _ANSWER_DOC.format(
    verb="Accept",
    summary="The advocate accepts their ask, optionally proposing times.",
    state="accepted",
)
decline_ask.__doc__ = _ANSWER_DOC.format(
    verb="Decline",
    summary="The advocate declines their ask with a reason (never held against them).",
    state="declined",
)
