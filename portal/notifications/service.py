"""Writing messages to the outbox; delivery is the sender's job."""

from __future__ import annotations

from flask import current_app, render_template

from portal.extensions import db
from portal.notifications.models import OutboxMessage


def queue_email(template: str, recipient: str, subject: str, **context) -> OutboxMessage:
    """Render `templates/notifications/email/<template>.{txt,html}` into a queued message.

    Called inside the transaction of the change that causes the message, so both commit
    together or not at all.
    """
    context.setdefault("program_name", current_app.config["PROGRAM_NAME"])
    context.setdefault("base_url", current_app.config["BASE_URL"])
    message = OutboxMessage(
        kind="email",
        template=template,
        recipient=recipient,
        subject=subject,
        body_text=render_template(f"notifications/email/{template}.txt", **context),
        body_html=render_template(f"notifications/email/{template}.html", **context),
    )
    db.session.add(message)
    return message
