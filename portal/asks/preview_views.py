"""The request form's live preview: `GET /requests/preview` with the form's fields answers the
fragment the form shows (and the form renders it at once for a pre-filled link)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.asks import preview as service
from portal.asks.views import bp
from portal.auth.permissions import require

LISTS = ("industries", "products", "use_cases", "regions", "segments", "seniorities", "languages")


def form_values(args) -> dict:
    """The preview's input from a query string or a form: single values and lists."""
    values = {name: args.get(name) for name in ("activity_type", "prospect_company")}
    values["opportunity_stage"] = args.get("opportunity_stage")
    for name in LISTS:
        values[name] = args.getlist(name)
    return values


def of_form(form) -> service.Preview:
    """The preview of the request form as it stands (its first render, or a refused post)."""
    values = {
        "activity_type": form.activity_type.data,
        "prospect_company": form.prospect_company.data,
        "opportunity_stage": form.opportunity_stage.data,
    }
    for name in LISTS:
        values[name] = list(form[name].data or [])
    return service.preview(current_user, values)


@bp.get("/preview")
@require("requests.create")
def preview():
    found = service.preview(current_user, form_values(request.args))
    response = render_template("asks/_preview.html", preview=found)
    return response, 200, {"Cache-Control": "no-store"}
