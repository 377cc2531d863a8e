"""Error pages in the layout for people, JSON errors for the API and for JSON clients."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal.extensions import db
from portal.operations.logs import current_request_id


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


def get_or_not_found(model, key, message: str, visible: Callable[[Any], bool] | None = None):
    """The `model` row with this primary key, else NotFound with the message: how a service
    looks up the one row a request names. `visible(row)`: whether the actor may see it; a row
    they may not answers NotFound too, never its data (nor whether it exists)."""
    row = db.session.get(model, key)
    if row is None or (visible is not None and not visible(row)):
        raise NotFound(message)
    return row


log = logging.getLogger(__name__)

# SQLSTATEs (PostgreSQL) and message starts (SQLite) of a write that lost a race: another
# request stored the same unique value, or removed the row this one points to, since the
# service checked. Any other integrity error is a bug and stays a 500.
_RACE_STATES = {"23505": "unique", "23503": "reference"}
_RACE_STARTS = {"UNIQUE constraint failed": "unique", "FOREIGN KEY constraint failed": "reference"}
RACE_MESSAGES = {
    "unique": "Someone else saved the same value a moment ago, so nothing was saved: "
    "reload the page and try again.",
    "reference": "Something this refers to was removed a moment ago, so nothing was saved: "
    "reload the page and try again.",
}


def lost_race(error: IntegrityError) -> str | None:
    """'unique' or 'reference' when the integrity error is a concurrent write's, else None."""
    state = getattr(error.orig, "sqlstate", None)
    if state in _RACE_STATES:
        return _RACE_STATES[state]
    text = str(error.orig)
    return next((kind for start, kind in _RACE_STARTS.items() if text.startswith(start)), None)


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
        """A refusal no view handled: the API's JSON error, or on a page the standard 404 or
        403 page for NotFound and Forbidden (so views need not turn them into abort()), else
        the message."""
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        if isinstance(error, NotFound | Forbidden):
            return render_template(f"errors/{error.status}.html", error=error), error.status
        return render_template("errors/400.html", message=error.message), error.status

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        """A unique key or a reference broken by a concurrent request (the service checked
        it, then another request won): 409 and nothing written, not a 500."""
        db.session.rollback()
        kind = lost_race(error)
        if kind is None:
            raise error
        log.warning("write lost a race (%s): %s", kind, error.orig)
        if wants_json():
            return json_error(409, "conflict", RACE_MESSAGES[kind])
        return render_template("errors/400.html", message=RACE_MESSAGES[kind]), 409

    @app.errorhandler(500)
    def server_error(error):
        """The traceback went to the log with the request id (Flask logs it before this runs);
        the person gets the id as a reference, never the traceback."""
        db.session.rollback()
        if wants_json():
            return json_error(500, "server_error", "Something went wrong on our side.")
        try:
            return render_template("errors/500.html"), 500
        except Exception:  # the layout itself failed (e.g. the database is down): plain words
            log.exception("the error page could not be rendered")
            reference = current_request_id() or "none"
            text = (
                "Something went wrong on our side. Please try again in a moment.\n\n"
                f"Reference: {reference}\n"
            )
            return text, 500, {"Content-Type": "text/plain; charset=utf-8"}
