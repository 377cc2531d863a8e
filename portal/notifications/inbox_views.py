"""The Demo inbox pages: e-mails console delivery kept (administrators, no SMTP host only)."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user
from werkzeug.utils import secure_filename

from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError
from portal.notifications import inbox

bp = Blueprint("inbox", __name__, url_prefix="/admin/demo-inbox")

# The message page shows the e-mail's HTML in a sandboxed srcdoc frame, which inherits this
# policy: the e-mail's inline styles apply, its scripts, forms and remote images never run or
# load (the frame adds its own `default-src 'none'` too).
MESSAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@bp.before_request
def only_with_console_delivery():
    """With an SMTP host there is no demo inbox at all: 404 for everyone."""
    if not inbox.console_delivery():
        abort(404)


@bp.get("/")
@require("users.manage")
def index():
    entries, total = inbox.list_messages(current_user)
    return render_template(
        "notifications/inbox.html",
        entries=entries,
        total=total,
        limit=inbox.LIST_LIMIT,
        folder=inbox.mail_dir(),
    )


@bp.get("/<name>")
@require("users.manage")
def message(name: str):
    with committing(raises=DomainError):  # the audit of this look
        opened = inbox.view_message(current_user, name)
    frame = None
    if opened.html is not None:
        frame = f'<meta http-equiv="Content-Security-Policy" content="{FRAME_CSP}">{opened.html}'
    response = make_response(
        render_template("notifications/inbox_message.html", message=opened, frame=frame)
    )
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response


@bp.get("/<name>/attachments/<int:index>")
@require("users.manage")
def attachment(name: str, index: int):
    with committing(raises=DomainError):  # the audit of this download
        filename, payload = inbox.calendar_attachment(current_user, name, index)
    response = make_response(payload)
    response.mimetype = "text/calendar"
    safe = secure_filename(filename) or "invitation.ics"
    if not safe.lower().endswith(".ics"):
        safe += ".ics"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
