"""Bearer-token authentication: the one place an API request gets its user.

Every view on the API blueprint needs `Authorization: Bearer <token>` unless it is marked
`@public`. The token's user becomes `g.api_user` and `flask_login.current_user`; the session
cookie is never read, so a signed-in browser gets no access to the API without a token. Each
view states who may call it with `@allow` (the permission table of `portal.auth.permissions`).
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from portal.api.blueprint import bp
from portal.api.common import MAX_ID
from portal.auth.models import User
from portal.auth.permissions import PERMISSIONS, can
from portal.auth.service import token_user
from portal.errors import Forbidden, NotFound, json_error
from portal.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(view):
    """Mark an API view that answers without a token (the OpenAPI document)."""
    view.api_public = True
    return view


def api_user() -> User:
    """The user of the token that authenticated this request."""
    return g.api_user


# `@allow(ANY_USER)`: every token's user may call the view; the service it calls decides, object
# by object, what each may see or change (404, or 403 where the docstring says so).
ANY_USER = "any_user"


def allow(*permissions: str, message: str = ""):
    """State who may call an API view: a user holding one of `permissions`, else 403 with
    `message`, before the view reads anything. Object-level checks (their own advocate, their
    own request) stay in the services. The OpenAPI document lists 403 when this can refuse."""
    anyone = ANY_USER in permissions
    for name in permissions:
        if name != ANY_USER and name not in PERMISSIONS:
            raise ValueError(f"No permission named {name!r}.")
    if not anyone and not message:
        raise ValueError("Say why a caller without the permission is refused.")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not anyone and not any(can(api_user(), name) for name in permissions):
                raise Forbidden(message)
            return view(*args, **kwargs)

        wrapped.api_permissions = permissions
        wrapped.api_refuses = not anyone
        return wrapped

    return decorator


def _unauthorized(message: str):
    response = json_error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _bearer_value() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or " " in value:
        return None
    return value


@bp.before_request
def authenticate():
    """Resolve the bearer token; 401 without a usable one, 403 for a write with a read token."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "api_public", False):
        return None
    if "Authorization" not in request.headers:
        return _unauthorized("Send an API token: Authorization: Bearer <token>.")
    plain = _bearer_value()
    if plain is None:
        return _unauthorized("The Authorization header must read: Bearer <token>.")
    found = token_user(plain)
    if found is None:
        return _unauthorized("This API token is unknown, revoked or expired.")
    token, user = found
    if db.session.dirty:
        # token_user() touched last_used_at: record the use even if the request itself fails.
        db.session.commit()
    g.api_token = token
    g.api_user = user
    # Flask-Login reads g._login_user first: current_user is the token's user, not the session's.
    g._login_user = user
    if token.scope == "read" and request.method not in READ_METHODS:
        raise Forbidden("This token may only read: use a read_write token to change data.")
    return None


@bp.before_request
def ids_in_range():
    """An id in the path beyond what the database holds names nothing: 404, before any SQL."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound("No such object.")
