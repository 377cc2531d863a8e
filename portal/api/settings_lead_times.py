"""The program's lead times (minimum notice per activity type), for administrators."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from marshmallow.validate import Range

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.asks import lead_time
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES

_DAYS = "Working days (Monday to Friday) of notice; 0: no minimum."
may_manage = allow(
    "settings.manage", message="Only administrators manage the program's lead times."
)


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
@may_manage
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
    """
    return jsonify(lead_time.lead_times())


@bp.put("/settings/lead-times")
@may_manage
# An unknown key is refused by the service as an unknown activity type.
@takes(LeadTimesInputSchema, unknown_by_service=True)
def put_lead_times():
    """Change lead times.
    ---
    put:
      tags: [settings]
      summary: Set the lead time of the activity types sent (0 to 120 working days; a type left
        out keeps its value). Audited; applies at once to requests filed or changed from now on.
      responses:
        200:
          description: Every activity type's lead time after the change.
          content:
            application/json:
              schema: LeadTimesSchema
    """
    lead_time.update_lead_times(api_user(), {**lead_time.lead_times(), **json_body()})
    db.session.commit()
    return jsonify(lead_time.lead_times())
