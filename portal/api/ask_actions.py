"""Closing the loop on an ask: the requester (or the program team) marks it completed."""

from __future__ import annotations

from flask import jsonify

from portal.api.auth import ANY_USER, allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.api.schemas.asks import CompleteAskInputSchema
from portal.asks import asks, completion
from portal.extensions import db
from portal.webhooks.payloads import AskSchema


@bp.post("/asks/<int:ask_id>/complete")
@allow(ANY_USER)
@takes(CompleteAskInputSchema)
def complete_ask(ask_id: int):
    """Mark an accepted ask completed.
    ---
    post:
      tags: [asks]
      summary: The activity happened; awards the advocate the activity's points.
      description: The requester rates it (1-5, required from them) and may comment; the
        program team may complete without a rating.
      responses:
        200:
          description: The completed ask.
          content:
            application/json:
              schema: AskSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    ask = asks.get_ask(actor, ask_id)
    data = json_body()
    completion.complete_ask(actor, ask, data.get("rating"), data.get("feedback"))
    db.session.commit()
    return jsonify(AskSchema().dump(ask))
