"""Wires what an operator watches: request ids and logs, request metrics, /healthz, /readyz
and /metrics."""

from __future__ import annotations

from flask import Flask

from portal.extensions import csrf, limiter
from portal.operations import health, logs, metrics


def register(app: Flask) -> None:
    """Before every other hook (so every log line of a request has its id and the request line
    and metrics see the final response), then the probe and scrape endpoints."""
    logs.register(app)
    app.jinja_env.globals["request_id"] = logs.current_request_id  # "Reference:" on error pages
    app.after_request(metrics.observe_request)
    for blueprint in (health.bp, metrics.bp):
        # Probes and scrapers carry no session, form or user: no CSRF token, no rate limit.
        csrf.exempt(blueprint)
        limiter.exempt(blueprint)
        app.register_blueprint(blueprint)
