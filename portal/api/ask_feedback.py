"""The advocate's own feedback on an activity they did (the requester's is on completion)."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema
from marshmallow.validate import Length

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.api.schemas.common import SentText
from portal.asks import asks
from portal.extensions import db
from portal.thanks import service as thanks
from portal.webhooks.payloads import AskSchema


class AskFeedbackInputSchema(Schema):
    feedback = SentText(
        required=True,
        allow_none=True,
        validate=Length(max=thanks.FEEDBACK_MAX),
        metadata={"description": "How it went, in the advocate's words; empty or null removes it."},
    )


@bp.put("/asks/<int:ask_id>/feedback")
@allow("advocate.self", message="Only the advocate who did the activity writes this feedback.")
@takes(AskFeedbackInputSchema)
def put_ask_feedback(ask_id: int):
    """Write the advocate's feedback on an activity.
    ---
    put:
      tags: [asks]
      summary: The advocate writes (or changes) their own feedback on their activity.
      description: Once the activity is completed, or accepted and its scheduled time has
        passed. The requester and the reference team read it on the request.
      responses:
        200:
          description: The ask, with its `advocate_feedback`.
          content:
            application/json:
              schema: AskSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    ask = asks.get_ask(actor, ask_id)  # another advocate's ask: 404
    thanks.write_feedback(actor, ask, json_body()["feedback"])
    db.session.commit()
    return jsonify(AskSchema().dump(ask))
