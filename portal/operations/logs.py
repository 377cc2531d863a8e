"""Request ids and logs: every request gets an id, echoed in `X-Request-ID`, carried by every log
line written while it runs, and one `portal.request` line sums each request up.

An id that the proxy in front sends (nginx: `proxy_set_header X-Request-ID $request_id;`) is kept
when it is well formed, so the proxy's access log and ours share it; anything else gets a new one.
`PORTAL_LOG_FORMAT=json` writes every log line of the process as one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import traceback
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
# Letters, digits and a few separators: nothing that could break a log line or a header.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

request_log = logging.getLogger("portal.request")

# What every LogRecord has; anything else on a record came through `extra=` and is logged too.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


def current_request_id() -> str | None:
    """This request's id, or None outside a request (commands, the worker)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def assign_request_id() -> None:
    """Keep a well-formed incoming id, else make one; start the request's clock."""
    g.request_started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex


def _signed_in_user_id() -> int | None:
    """The user this request already loaded, if any: logging never loads one itself (that would
    cost a query on pages that need no user, such as /healthz)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


def log_request(response):
    """Send the id back and write the request's line (the path without its query string, which
    may carry tokens)."""
    request_id = g.get("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    user_id = _signed_in_user_id()
    request_log.info(
        "%s %s %s %s ms%s",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        f" user={user_id}" if user_id else "",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )
    return response


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, any `extra=` fields,
    and the traceback of an exception as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if getattr(record, "request_id", "-") == "-" else record.request_id,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


class StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is now (test runners swap it), not the one at set-up."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


_handler: StderrHandler | None = None


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, in the configured format, so every line of the process
    (ours, Flask's tracebacks, libraries') has the same shape and the request id."""
    global _handler
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:
        raise ValueError(f"PORTAL_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    root = logging.getLogger()
    if _handler is None:
        _handler = StderrHandler()
        _handler.addFilter(RequestIdFilter())
    if _handler not in root.handlers:
        root.addHandler(_handler)
    _handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    portal_logger = logging.getLogger("portal")  # also app.logger: Flask names it after the app
    portal_logger.removeHandler(default_handler)  # ours on the root writes its lines
    if portal_logger.level == logging.NOTSET:
        portal_logger.setLevel(logging.INFO)


def register(app: Flask) -> None:
    """Wire the id and the request line first, so every other hook's lines carry the id and
    the line sees the final response."""
    configure_logging(app)
    app.before_request(assign_request_id)
    app.after_request(log_request)
