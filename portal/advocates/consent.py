"""The consent gate: an advocate who has not accepted the current program terms reaches
nothing but the terms page (pages) or gets 403 terms_not_accepted (API)."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user

from portal.advocates.self_service import needs_consent
from portal.errors import json_error

# Reachable before consent: the terms themselves, signing out, one-click answers from e-mail,
# and the operator's probes and metrics (no user at all).
OPEN_ENDPOINTS = frozenset(
    {"static", "me.terms", "auth.sign_out", "me.answer_by_link", "me.answered"}
    | {"health.healthz", "health.readyz", "metrics.scrape"}
)
API_BLUEPRINT = "api"


def _advocate_without_consent():
    user = current_user
    if not getattr(user, "is_authenticated", False) or user.role != "advocate":
        return None
    advocate = user.advocate
    return advocate if needs_consent(advocate) else None


def page_gate():
    """Send an advocate without current consent to the terms page."""
    if request.blueprint == API_BLUEPRINT or request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.endpoint is None:  # a 404: let it answer as such
        return None
    if request.endpoint.endswith(".static"):  # extensions' files (Bootstrap's CSS and JS)
        return None
    if _advocate_without_consent() is None:
        return None
    return redirect(
        url_for("me.terms", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    )


def api_gate():
    """After token authentication: an advocate without current consent gets 403."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "api_public", False):
        return None
    if _advocate_without_consent() is None:
        return None
    return json_error(
        403,
        "terms_not_accepted",
        "Accept the program terms in the portal before using the API.",
    )


def register(app: Flask) -> None:
    """Pages: an app-wide hook. API: a hook of the api blueprint's, after its token check."""
    app.before_request(page_gate)
    app.before_request_funcs.setdefault(API_BLUEPRINT, []).append(api_gate)
