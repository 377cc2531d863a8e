"""The advocate's own feedback on an activity they did (the requester's is on completion)."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from marshmallow.validate import Length

from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, only_fields
from portal.api.schemas import AskSchema
from portal.asks import asks
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db
from portal.thanks import service as thanks


class AskFeedbackInputSchema(Schema):
    feedback = fields.String(
        required=True,
        allow_none=True,
        validate=Length(max=thanks.FEEDBACK_MAX),
        metadata={"description": "How it went, in the advocate's words; empty or null removes it."},
    )


@bp.put("/asks/<int:ask_id>/feedback")
def put_ask_feedback(ask_id: int):
    """Write the advocate's feedback on an activity.
    ---
    put:
      tags: [asks]
      summary: The advocate writes (or changes) their own feedback on their activity.
      description: Once the activity is completed, or accepted and its scheduled time has
        passed. The requester and the reference team read it on the request.
      requestBody:
        required: true
        content:
          application/json:
            schema: AskFeedbackInputSchema
      responses:
        200:
          description: The ask, with its `advocate_feedback`.
          content:
            application/json:
              schema: AskSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: Conflict
        422: Invalid
    """
    actor = api_user()
    if actor.role != "advocate":
        raise Forbidden("Only the advocate who did the activity writes this feedback.")
    ask = asks.get_ask(actor, ask_id)  # another advocate's ask: 404
    data = json_body()
    only_fields(data, {"feedback"})
    if "feedback" not in data:
        raise ValidationFailed("feedback: This field is required.", field="feedback")
    thanks.write_feedback(actor, ask, data.get("feedback"))
    db.session.commit()
    return jsonify(AskSchema().dump(ask))
