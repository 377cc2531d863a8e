"""The API blueprint: every resource module adds its routes to this one `bp`."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Clients authenticate with a bearer token, never with the session cookie: no CSRF to guard against.
csrf.exempt(bp)
