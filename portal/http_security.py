"""HTTP hardening: security headers and CSP, the trusted proxy hops, and request body limits."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, g, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script at all; inline <style> only with this response's nonce (the report charts).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'{targets}; "
    "frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"
_STYLE_TAG = re.compile(r"<style(?=[\s>])")
_HOST = re.compile(r"[A-Za-z0-9.-]+")


class PortalRequest(Request):
    """A request whose body limit is the upload limit on views marked `accepts_uploads`."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and self.endpoint:
            view = current_app.view_functions.get(self.endpoint)
            if getattr(view, "accepts_uploads", False):
                return current_app.config["MAX_UPLOAD_BYTES"]
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def accepts_uploads(view):
    """Mark a view whose form carries a file: its body may reach PORTAL_MAX_UPLOAD_BYTES."""
    view.accepts_uploads = True
    return view


def csp_nonce() -> str:
    """This response's nonce for inline <style> elements (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def with_style_nonce(markup: str) -> Markup:
    """Trusted markup (a server-made SVG) with this response's nonce on its <style> elements."""
    # The chart is drawn here from our figures (labels escaped by pygal), never sent markup.
    # bandit B704: our own SVG
    return Markup(_STYLE_TAG.sub(f'<style nonce="{csp_nonce()}"', str(markup)))  # noqa: S704  # nosec


def allow_form_redirect(url: str) -> None:
    """Let a form on this page end in a redirect to `url`'s site (the browser holds such a
    redirect to form-action): a logged "open the link" of a content asset."""
    parts = urlsplit(url or "")
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return
    port = f":{parts.port}" if parts.port else ""
    g.setdefault("form_targets", set()).add(f"{parts.scheme}://{host}{port}")


def _policy() -> str:
    targets = "".join(f" {origin}" for origin in sorted(g.get("form_targets", ())))
    return CSP.format(nonce=csp_nonce(), targets=targets)


def _private(response) -> bool:
    if request.path.startswith("/api/"):
        return True
    return request.endpoint != "static" and current_user.is_authenticated


def set_security_headers(response):
    """Headers on every response; a response's own CSP (sandboxed downloads) is kept."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _policy())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if current_app.config["BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    if _private(response):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def register(app: Flask) -> None:
    """Wire the proxy hops, the per-view body limit, the headers and the template nonce."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.request_class = PortalRequest
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["with_style_nonce"] = with_style_nonce
