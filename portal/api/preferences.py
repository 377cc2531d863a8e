"""An advocate's preferences, limits and blackouts: the advocate themself and the program team."""

from __future__ import annotations

from flask import jsonify

from portal.advocates import preferences
from portal.advocates import service as advocates
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import json_body
from portal.api.schemas import PreferencesSchema
from portal.auth.permissions import PROGRAM
from portal.errors import Forbidden
from portal.extensions import db


def _advocate(actor, advocate_id: int):
    # Checked before the lookup: a requester or CSM learns nothing, not even which ids exist.
    if actor.role != "advocate" and actor.role not in PROGRAM:
        raise Forbidden("Only the advocate and the program team see preferences.")
    return advocates.get_advocate(actor, advocate_id)


@bp.get("/advocates/<int:advocate_id>/preferences")
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
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    advocate = _advocate(api_user(), advocate_id)
    return jsonify(PreferencesSchema().dump(preferences.preferences_of(advocate)))


@bp.put("/advocates/<int:advocate_id>/preferences")
def put_preferences(advocate_id: int):
    """Replace an advocate's preferences.
    ---
    put:
      tags: [preferences]
      summary: Replace the preferences; a limit left out or null means the program default,
        `blackouts` replaces the periods that have not ended, `paused_until` left out is kept.
      requestBody:
        required: true
        content:
          application/json:
            schema: PreferencesInputSchema
      responses:
        200:
          description: The preferences after the change.
          content:
            application/json:
              schema: PreferencesSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        422: Invalid
    """
    actor = api_user()
    advocate = _advocate(actor, advocate_id)
    preferences.update_preferences(actor, advocate, json_body())
    db.session.commit()
    return jsonify(PreferencesSchema().dump(preferences.preferences_of(advocate)))
