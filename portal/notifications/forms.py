"""Forms of the notification settings pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice

from portal.forms import MultiCheckboxField, blank_to_none
from portal.notifications import chat


class ChatSettingsForm(FlaskForm):
    url = StringField(
        "Incoming-webhook URL",
        filters=[blank_to_none],
        description="From Slack (Incoming Webhooks app) or Microsoft Teams (Workflows or "
        "Incoming Webhook connector): a public address. Leave empty to post nothing.",
    )
    flavour = RadioField(
        "Chat",
        choices=[SelectChoice("slack", "Slack"), SelectChoice("teams", "Microsoft Teams")],
        default="slack",
    )
    events = MultiCheckboxField(
        "Post these events",
        choices=[SelectChoice(key, text) for key, text in chat.CHAT_EVENTS.items()],
    )
