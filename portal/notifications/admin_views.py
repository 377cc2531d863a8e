"""Outgoing messages for the program team (failed first, retry) and the team-chat setting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.boundary import REFUSED, commit_or_show, committing
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.filters import ListFilters, current_page
from portal.notifications import chat, outbox
from portal.notifications.forms import ChatSettingsForm
from portal.notifications.sender import backoff
from portal.vocab import OUTBOX_STATUSES

bp = Blueprint("outbox", __name__, url_prefix="/admin")


@bp.get("/outbox/")
@require("program.manage")
def index():
    args = ListFilters(request.args)
    status = args.choice("status", OUTBOX_STATUSES) or None
    args.announce()
    page = db.paginate(
        outbox.outbox_query(current_user, status),
        page=current_page(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "notifications/admin/outbox.html",
        page=page,
        status=status,
        counts=outbox.status_counts(current_user),
    )


@bp.get("/outbox/<int:message_id>")
@require("program.manage")
def detail(message_id: int):
    with committing(raises=DomainError):  # the audit of this look
        message, text = outbox.view_message(current_user, message_id)
    next_delay = backoff(message.attempts + 1) if message.status == "queued" else None
    return render_template(
        "notifications/admin/message.html", message=message, text=text, next_delay=next_delay
    )


@bp.post("/outbox/<int:message_id>/retry")
@require("program.manage")
def retry(message_id: int):
    message = outbox.get_message(current_user, message_id)
    if commit_or_show(outbox.retry_message, current_user, message) is not REFUSED:
        flash("Queued again: the sender delivers it on its next round.", "success")
    return redirect(url_for("outbox.detail", message_id=message_id))


@bp.post("/outbox/retry-failed")
@require("program.manage")
def retry_failed():
    with committing(raises=DomainError):
        count = outbox.retry_all_failed(current_user)
    flash(
        f"Queued {count} failed message{'' if count == 1 else 's'} again."
        if count
        else "No failed messages.",
        "success" if count else "info",
    )
    return redirect(url_for("outbox.index"))


@bp.route("/settings/chat", methods=["GET", "POST"])
@require("users.manage")
def chat_settings():
    form = ChatSettingsForm(data=chat.chat_settings())
    if form.validate_on_submit():
        with committing(form=form, catches=ValidationFailed) as attempt:
            changed = chat.update_chat_settings(
                current_user,
                {"url": form.url.data, "flavour": form.flavour.data, "events": form.events.data},
            )
        if not attempt.refused:
            flash("Saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("outbox.chat_settings"))
    status = 422 if form.errors else 200
    return render_template("notifications/admin/chat.html", form=form), status
