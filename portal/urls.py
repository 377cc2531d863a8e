"""Absolute links for e-mail and the command line, built on PORTAL_BASE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"]
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are accepted as a `next` redirect target."""
    if not target:
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )
