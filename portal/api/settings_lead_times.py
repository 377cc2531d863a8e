"""The program's lead times (minimum notice per activity type), for administrators."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from marshmallow.validate import Range

from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import json_body
from portal.asks import lead_time
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES

_DAYS = "Working days (Monday to Friday) of notice; 0: no minimum."


# {activity type: working days}: every type in an answer; a type left out of a change stays.
# Classes (not Schema.from_dict, which is not registered) so the OpenAPI document finds them.
LeadTimesSchema = type(
    "LeadTimesSchema",
    (Schema,),
    {
        "__module__": __name__,
        **{
            t: fields.Integer(required=True, metadata={"description": _DAYS})
            for t in ACTIVITY_TYPES
        },
    },
)
LeadTimesInputSchema = type(
    "LeadTimesInputSchema",
    (Schema,),
    {
        "__module__": __name__,
        **{
            t: fields.Integer(
                validate=Range(min=0, max=lead_time.LEAD_TIME_MAX), metadata={"description": _DAYS}
            )
            for t in ACTIVITY_TYPES
        },
    },
)


@bp.get("/settings/lead-times")
def get_lead_times():
    """Show the lead time of each activity type.
    ---
    get:
      tags: [settings]
      summary: The minimum notice in working days per activity type (administrators). A request
        due sooner is filed only as a rush with a reason.
      responses:
        200:
          description: Every activity type's lead time.
          content:
            application/json:
              schema: LeadTimesSchema
        401: Unauthorized
        403: Forbidden
    """
    lead_time.may_manage_lead_times(api_user())
    return jsonify(lead_time.lead_times())


@bp.put("/settings/lead-times")
def put_lead_times():
    """Change lead times.
    ---
    put:
      tags: [settings]
      summary: Set the lead time of the activity types sent (0 to 120 working days; a type left
        out keeps its value). Audited; applies at once to requests filed or changed from now on.
      requestBody:
        required: true
        content:
          application/json:
            schema: LeadTimesInputSchema
      responses:
        200:
          description: Every activity type's lead time after the change.
          content:
            application/json:
              schema: LeadTimesSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        422: Invalid
    """
    actor = api_user()
    lead_time.may_manage_lead_times(actor)
    data = json_body()
    lead_time.update_lead_times(actor, {**lead_time.lead_times(), **data})
    db.session.commit()
    return jsonify(lead_time.lead_times())
