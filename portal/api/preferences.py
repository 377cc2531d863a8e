"""An advocate's preferences, limits and blackouts: the advocate themself and the program team."""

from __future__ import annotations

from flask import jsonify

from portal.advocates import preferences
from portal.advocates import service as advocates
from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.api.schemas.advocates import PreferencesInputSchema, PreferencesSchema
from portal.extensions import db

# Checked before the lookup: a requester or CSM learns nothing, not even which ids exist.
may_see = allow(
    "advocate.self",
    "program.manage",
    message="Only the advocate and the program team see preferences.",
)


@bp.get("/advocates/<int:advocate_id>/preferences")
@may_see
def get_preferences(advocate_id: int):
    """Show an advocate's preferences.
    ---
    get:
      tags: [preferences]
      summary: Activity types, limits (null means the program default), cooldown, pause and
        blackouts. An advocate sees only their own.
      responses:
        200:
          description: The preferences, with the program defaults.
          content:
            application/json:
              schema: PreferencesSchema
        404: NotFound
    """
    advocate = advocates.get_advocate(api_user(), advocate_id)
    return jsonify(PreferencesSchema().dump(preferences.preferences_of(advocate)))


@bp.put("/advocates/<int:advocate_id>/preferences")
@may_see
@takes(PreferencesInputSchema, unknown_by_service=True)
def put_preferences(advocate_id: int):
    """Replace an advocate's preferences.
    ---
    put:
      tags: [preferences]
      summary: Replace the preferences; a limit left out or null means the program default,
        `blackouts` replaces the periods that have not ended, `paused_until` left out is kept.
      responses:
        200:
          description: The preferences after the change.
          content:
            application/json:
              schema: PreferencesSchema
        404: NotFound
    """
    actor = api_user()
    advocate = advocates.get_advocate(actor, advocate_id)
    preferences.update_preferences(actor, advocate, json_body())
    db.session.commit()
    return jsonify(PreferencesSchema().dump(preferences.preferences_of(advocate)))
