"""The request form's live preview: `GET /requests/preview` with the form's fields answers the
fragment the form shows (and the form renders it at once for a pre-filled link)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.asks import preview as service
from portal.asks.pages import preview_values
from portal.asks.views import bp
from portal.auth.permissions import require


@bp.get("/preview")
@require("requests.create")
def preview():
    found = service.preview(current_user, preview_values(request.args))
    response = render_template("asks/_preview.html", preview=found)
    return response, 200, {"Cache-Control": "no-store"}
