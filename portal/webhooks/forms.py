"""The webhook endpoint form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import MultiCheckboxField
from portal.webhooks.models import WEBHOOK_EVENTS


class WebhookForm(FlaskForm):
    url = URLField(
        "Endpoint URL",
        validators=[DataRequired(), Length(max=2000)],
        description="A public http:// or https:// address (port 80 or 443) that accepts a JSON "
        "POST.",
    )
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    events = MultiCheckboxField(
        "Events",
        choices=[SelectChoice(key, label) for key, label in WEBHOOK_EVENTS.items()],
        validators=[Optional()],
    )
    secret = PasswordField(
        "Signing secret",
        validators=[Optional(), Length(max=200)],
        description="At least 16 characters. Leave empty to generate one (or keep the current).",
    )
    active = BooleanField("Active (deliver events)", default=True)
    submit = SubmitField("Save")

    def to_data(self, *, creating: bool) -> dict:
        data = {
            "url": self.url.data or "",
            "description": self.description.data or None,
            "events": list(self.events.data or []),
            "active": bool(self.active.data),
        }
        if self.secret.data or not creating:
            data["secret"] = self.secret.data or None
        return data
