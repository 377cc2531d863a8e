"""Pages of every signed-in user: notifications, notification settings, the calendar feed."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.auth.permissions import can
from portal.boundary import committing
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.filters import current_page
from portal.notifications import calendar, inapp
from portal.notifications import settings as notification_settings
from portal.urls import external_url, is_safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
feed_bp = Blueprint("calendar_feed", __name__, url_prefix="/calendar/feed")


@bp.app_context_processor
def unread_badge():
    """`unread_notifications()` for the navigation; counted only when a page shows it."""
    return {"unread_notifications": lambda: inapp.unread_count(current_user)}


@bp.get("/")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = db.paginate(
        inapp.notifications_query(current_user, unread_only=unread_only),
        page=current_page(),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        unread=inapp.unread_count(current_user),
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one read; with `open`, go on to what it is about."""
    note = inapp.get_notification(current_user, notification_id)
    with committing(raises=DomainError):
        inapp.mark_read(current_user, note)
    if request.form.get("open") and is_safe_next(note.link):
        return redirect(note.link)
    return redirect(url_for("notifications.index", **request.args))


@bp.post("/read-all")
@login_required
def read_all():
    with committing(raises=DomainError):
        count = inapp.mark_all_read(current_user)
    flash(
        ngettext("Marked %(num)d notification read.", "Marked %(num)d notifications read.", count),
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    current = notification_settings.settings_of(current_user)
    errors = {}
    if request.method == "POST":
        choices = {name: request.form.get(name, "") for name in current}
        with committing(show=False, catches=ValidationFailed) as attempt:
            changed = notification_settings.save_settings(current_user, choices)
            if not can(current_user, "advocate.self"):  # an advocate's is in the profile
                changed = notification_settings.set_timezone(
                    current_user, request.form.get("timezone", "")
                ) or bool(changed)
        if error := attempt.error:
            errors = error.fields
            current = {**current, **choices}
        else:
            flash(
                _("Your notification settings are saved.") if changed else _("Nothing changed."),
                "success",
            )
            return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        current=current,
        errors=errors,
        event_types=notification_settings.EVENT_TYPES,
        channels=notification_settings.CHANNEL_LABELS,
        timezone=request.form.get("timezone", current_user.timezone)
        if errors
        else current_user.timezone,
        timezones=sorted(available_timezones()),
    ), (422 if errors else 200)


@bp.get("/calendar")
@login_required
def calendar_page():
    token = calendar.feed_token(current_user)
    url = external_url("calendar_feed.feed", token=token) if token else None
    return render_template("notifications/calendar.html", feed_url=url)


@bp.post("/calendar/regenerate")
@login_required
def regenerate_feed():
    had = calendar.feed_token(current_user) is not None
    with committing(raises=DomainError):
        calendar.regenerate_feed(current_user)
    flash(
        _("A new feed address is ready; the old one no longer works.")
        if had
        else _("Your calendar feed is ready."),
        "success",
    )
    return redirect(url_for("notifications.calendar_page"))


@bp.post("/calendar/revoke")
@login_required
def revoke_feed():
    with committing(raises=DomainError):
        revoked = calendar.revoke_feed(current_user)
    if revoked:
        flash(_("Your calendar feed is switched off."), "success")
    return redirect(url_for("notifications.calendar_page"))


@feed_bp.get("/<token>.ics")
def feed(token: str):
    """The private feed: no session, the token in the URL is the key."""
    user = calendar.user_for_feed(token)
    if user is None:
        abort(404)
    response = Response(calendar.feed_ics(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="activities.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
