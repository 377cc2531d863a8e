"""What each user chose: how they hear of each event type (e-mail, in the portal only, or a
weekly digest), and a staff user's own time zone (the notification settings page)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.permissions import roles_holding
from portal.extensions import db
from portal.notifications.models import NotificationSetting

CHANNELS = ("email", "in_app", "digest")
CHANNEL_LABELS = {"email": "E-mail", "in_app": "In the portal only", "digest": "Weekly digest"}

# Event types a user may choose for, with the words on the settings page and who gets them.
# (Roles by what they may do, from the permission table.)
ADVOCATE = roles_holding("advocate.self")
STAFF = roles_holding("requests.create")
EVENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "ask_placed": ("Someone asks for your help", ADVOCATE),
    "ask_reminder": ("Reminders to answer an ask", ADVOCATE),
    "ask_withdrawn": ("An ask to you is no longer needed", ADVOCATE),
    "claim_decided": ("Decisions on your benefit claims", ADVOCATE),
    "claim_promoted": ("A place opens for a waitlisted claim", ADVOCATE),
    "claim_points_expiring": ("Your points are about to expire", ADVOCATE),
    "thank_you": ("Thanks for an activity you completed", ADVOCATE),
    "help_achieved": ("What a deal you helped achieved", ADVOCATE),
    "benefit_opened": ("A new benefit you can claim", ADVOCATE),
    "ask_answered": ("An advocate answers your request", STAFF),
    "request_fulfilled": ("Your request has enough advocates", STAFF),
    "advocate_left": ("An advocate of your request leaves the program", STAFF),
    "follow_ups_due": ("Follow-ups due with advocates", roles_holding("advocates.nurture")),
    "content_expiring": ("Customer approval of content ends soon", roles_holding("content.manage")),
    "ask_scheduled": ("Calendar invitations for scheduled activities", ADVOCATE | STAFF),
    "contact_asked": ("A contact at an account you look after is asked", frozenset({"csm"})),
    "nomination_received": (
        "A contact at an account you look after is nominated",
        roles_holding("accounts.edit"),
    ),
    "work_shared": ("An activity is shared with a request of yours", STAFF),
    "executive_summary": ("The program's summary of headline figures", frozenset({"executive"})),
}
# Templates that belong to another template's event type.
TEMPLATE_EVENTS = {
    "ask_cancelled": "ask_scheduled",
    "ask_rescheduled": "ask_scheduled",
    "ask_slots_offered": "ask_scheduled",  # times to pick: part of getting a date
    "ask_backed_out": "advocate_left",
    "ask_vetoed": "ask_answered",
    "nomination_objection_decided": "nomination_received",
    "work_shared_added": "work_shared",
    "work_shared_joined": "work_shared",
    "work_shared_completed": "work_shared",
}
# Always e-mailed, never in-app: they carry a link to sign in or set a password.
SECURITY_TEMPLATES = frozenset(
    {
        "password_reset",
        "invitation",
        "invitation_reminder",
        "advocate_invitation",
        "advocate_invitation_reminder",
        "magic_link",
        "sign_in_link",
        "self_nomination_confirm",
    }
)


def event_type_of(template: str) -> str:
    return TEMPLATE_EVENTS.get(template, template)


def event_types_for(user) -> list[str]:
    """The event types a user may choose for, in settings-page order."""
    return [name for name, (_, roles) in EVENT_TYPES.items() if user.role in roles]


def channel_for(user, event_type: str) -> str:
    """The user's choice for `event_type`; e-mail unless they chose otherwise."""
    if user is None or event_type in SECURITY_TEMPLATES:
        return "email"
    chosen = db.session.scalar(
        sa.select(NotificationSetting.channel).where(
            NotificationSetting.user_id == user.id, NotificationSetting.event_type == event_type
        )
    )
    return chosen if chosen in CHANNELS else "email"


def settings_of(user) -> dict[str, str]:
    """{event type: channel} for every event type the user may choose for."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationSetting.event_type, NotificationSetting.channel).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {name: chosen.get(name, "email") for name in event_types_for(user)}


def save_settings(actor, choices: dict[str, str]) -> dict[str, list]:
    """Store the actor's own choices; returns {event type: [old, new]} for what changed."""
    from portal.audit import service as audit
    from portal.errors import ValidationFailed

    current = settings_of(actor)
    errors = {
        name: f"Must be one of: {', '.join(CHANNELS)}."
        for name, channel in choices.items()
        if name in current and channel not in CHANNELS
    }
    errors.update({name: "Unknown event type." for name in choices if name not in current})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    rows = {
        row.event_type: row
        for row in db.session.scalars(
            sa.select(NotificationSetting).where(NotificationSetting.user_id == actor.id)
        )
    }
    changed = {}
    for name, channel in choices.items():
        if current[name] == channel:
            continue
        changed[name] = [current[name], channel]
        if name in rows:
            rows[name].channel = channel
        else:
            db.session.add(NotificationSetting(user_id=actor.id, event_type=name, channel=channel))
    if changed:
        db.session.flush()
        audit.record(actor, "notifications.settings_changed", actor, changed)
    return changed


def set_timezone(actor, name) -> bool:
    """A staff user's own time zone, for the times in their messages and pages (an advocate's
    comes from their profile). True when it changed."""
    from portal.audit import service as audit
    from portal.auth.permissions import can
    from portal.errors import DomainError, ValidationFailed
    from portal.validation import Checker

    if can(actor, "advocate.self"):  # an advocate's zone is in their profile
        raise DomainError("Change your time zone in your profile.", field="timezone")
    checker = Checker({"timezone": (name or "").strip()}, allowed=("timezone",))
    checker.timezone("timezone")
    zone = checker.done()["timezone"]
    if not zone:  # blank: a page sent without it (the column may not be empty)
        raise ValidationFailed("Choose your time zone.", field="timezone")
    if zone == actor.timezone:
        return False
    old, actor.timezone = actor.timezone, zone
    audit.record(actor, "user.timezone_changed", actor, {"from": old, "to": zone})
    return True
