"""The OpenAPI document, generated from the API's routes, view docstrings and schemas."""

from __future__ import annotations

import re

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask, current_app, jsonify
from werkzeug.routing import Rule

from portal.api.auth import public
from portal.api.blueprint import bp
from portal.api.common import MAX_ID
from portal.api.schemas.common import ErrorSchema

OPENAPI_VERSION = "3.0.3"
_CACHE_KEY = "portal.api.openapi"
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>\w+)>")

# Reusable error answers, referred to by name in the views' docstrings (`404: NotFound`); the
# standard ones each view's declarations imply are added by `DeclaredAnswers`.
ERROR_RESPONSES = {
    "BadRequest": "The body is not a JSON object, or a query argument is bad (`fields` names it).",
    "Unauthorized": "No usable bearer token: missing, malformed, unknown, revoked or expired.",
    "Forbidden": "Your role or the token's scope does not allow this.",
    "NotFound": "No such object, or not one you may see.",
    "Conflict": "A rule of the program refuses the change (`fields` names the field).",
    "Invalid": "The body breaks a field's rule (`fields` names each).",
}

DESCRIPTION = """\
The Advocate Portal API. Send `Authorization: Bearer <token>` with every call (an administrator
or `flask create-token` gives you one); a token acts with its user's permissions, and a `read`
token may only GET. Lists take `page` (from 1) and `per_page` (1-100, default 25) and answer
`{"items", "page", "per_page", "total"}`; they filter by `status` and `updated_since` (an ISO
date or date-time) where the objects have them. Ids are whole numbers from 1 to 2147483647. Your
tokens are managed under *API tokens* in the portal. Errors answer
`{"error": {"code", "message", "fields"}}` with 400, 401, 403, 404, 409 or 422.
"""


def _path_parameters(rule: Rule) -> list[dict]:
    parameters = []
    for match in _ARGUMENT.finditer(rule.rule):
        if match["converter"] == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string"}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return parameters


class DeclaredAnswers(BasePlugin):
    """What a view's declarations say, added to its operation: the request body it `@takes`,
    401 unless it is `@public`, 403 when its `@allow` can refuse, 400 when it reads a body or
    query arguments, 422 when it reads a body. The docstring lists the view's own answers
    (its success, 404, 409, a 403 of the service's)."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        view = kwargs["view"]
        if getattr(view, "api_public", False):
            return
        if not hasattr(view, "api_permissions"):
            raise ValueError(f"{view.__name__}: state who may call it with @allow.")
        body = getattr(view, "api_body", None)
        for operation in operations.values():
            answers = operation.pop("responses")
            standard = {401: "Unauthorized"}
            if body is not None:
                content = {"application/json": {"schema": body.schema}}
                required = {"required": True} if body.required else {}
                operation["requestBody"] = {**required, "content": content}
                standard.update({400: "BadRequest", 422: "Invalid"})
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                standard[400] = "BadRequest"
            if view.api_refuses:
                standard[403] = "Forbidden"
            answers = {**standard, **answers}
            operation["responses"] = dict(sorted(answers.items(), key=lambda a: int(a[0])))


def build_spec(app: Flask) -> dict:
    """The OpenAPI document of every route on the API blueprint."""
    spec = APISpec(
        title=f"{app.config['PROGRAM_NAME']} API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        # DeclaredAnswers before MarshmallowPlugin, which then resolves the body's schema.
        plugins=[FlaskPlugin(), DeclaredAnswers(), MarshmallowPlugin()],
        info={"description": DESCRIPTION},
        security=[{"bearerAuth": []}],
    )
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token."}
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for name, description in ERROR_RESPONSES.items():
        spec.components.response(
            name,
            {"description": description, "content": {"application/json": {"schema": ErrorSchema}}},
        )
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{bp.name}.")]
    for rule in sorted(rules, key=lambda r: r.rule):
        spec.path(
            view=app.view_functions[rule.endpoint], app=app, parameters=_path_parameters(rule)
        )
    document = spec.to_dict()
    for rule in rules:
        # The view's name (list_accounts) is the operation's id, for generated clients.
        path = document["paths"][FlaskPlugin.flaskpath2openapi(rule.rule)]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() in path:
                path[method.lower()]["operationId"] = rule.endpoint.removeprefix(f"{bp.name}.")
    return document


def openapi_document(app: Flask) -> dict:
    """The document, built on first use and then kept for the life of the app."""
    if _CACHE_KEY not in app.extensions:
        app.extensions[_CACHE_KEY] = build_spec(app)
    return app.extensions[_CACHE_KEY]


@bp.get("/openapi.json")
@public
def openapi_json():
    """The OpenAPI document of this API.
    ---
    get:
      tags: [meta]
      summary: This document; no token needed.
      security: []
      responses:
        200:
          description: An OpenAPI 3.0 document.
          content:
            application/json:
              schema: {type: object}
    """
    return jsonify(openapi_document(current_app))
