"""Error pages in the layout for people, JSON errors for the API and for JSON clients."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal.extensions import db


class DomainError(Exception):
    """A rule of the program refused an action; `message` is written for a person."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, field: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields[field] = message


class ValidationFailed(DomainError):
    """Input that breaks a rule of its own (range, format, unknown value)."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return json_error(400, "csrf", "The form expired or was not sent from this site.")
        return render_template("errors/400.html", message=error.description), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        message = "What you sent is larger than this page accepts"
        limit = request.max_content_length
        if limit:
            mib = limit / (1024 * 1024)
            message += f" ({mib:.3g} MB at most)" if mib >= 1 else f" ({limit // 1024} KB at most)"
        message += "."
        if wants_json():
            return json_error(413, "too_large", message)
        return render_template("errors/400.html", message=message, error=error), 413

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            return json_error(status, _CODES.get(status, "error"), error.description)
        template = status if status in (403, 404, 429) else 400
        if status >= 500:
            template = 500
        response = render_template(f"errors/{template}.html", error=error), status
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        return render_template("errors/400.html", message=error.message), error.status

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if wants_json():
            return json_error(500, "server_error", "Something went wrong on our side.")
        return render_template("errors/500.html"), 500
