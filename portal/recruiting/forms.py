"""Recruiting forms: they shape the input; the recruiting rules check it and word the messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.auth.forms import LENGTH_MESSAGE, PASSWORD_HELP
from portal.forms import Required, blank_to_none, text_or_empty
from portal.program.service import taxonomy_choices
from portal.vocab import (
    ACTIVITY_TYPES,
    REFERENCEABILITY,
    REGIONS,
    RELATIONSHIP_HEALTH,
    SEGMENTS,
    TOUCHPOINT_KINDS,
    choices,
)


def _select(label, values, blank=None, **kwargs):
    return SelectField(
        label,
        choices=choices(values, blank=blank),
        validate_choice=False,
        coerce=text_or_empty,
        **kwargs,
    )


class ReferenceabilityForm(FlaskForm):
    status = _select(
        "Referenceable?",
        REFERENCEABILITY,
        blank="Choose",
        validators=[Required()],
        description="Not now: fine later (renewal, a project going live). Not referenceable: "
        "don't ask this account.",
    )
    reason = TextAreaField(
        "Why",
        validators=[Required()],
        render_kw={"rows": 3},
        description="What makes them a good reference, or why not now.",
    )
    health = _select("Relationship health", RELATIONSHIP_HEALTH, blank="Unknown")
    nps = IntegerField(
        "NPS", validators=[Optional()], description="The account's Net Promoter Score, -100 to 100."
    )

    def to_data(self) -> dict:
        return {
            "status": self.status.data,
            "reason": self.reason.data,
            "health": self.health.data or None,
            "nps": self.nps.data,
        }


class MoveForm(FlaskForm):
    status = HiddenField()
    reason = StringField("Reason", validators=[Optional()], filters=[blank_to_none])


class VetoForm(FlaskForm):
    reason = TextAreaField(
        "Why stop this ask?",
        validators=[Required()],
        filters=[blank_to_none],
        render_kw={"rows": 3},
        description="The reference team and whoever filed the request read this.",
    )


class TouchpointForm(FlaskForm):
    kind = _select("Kind", TOUCHPOINT_KINDS, validators=[Required()])
    occurred_at = StringField(
        "When",
        validators=[Optional()],
        render_kw={"type": "datetime-local"},
        description="Leave empty for now; never in the future.",
    )
    summary = TextAreaField("Summary", validators=[Required()], render_kw={"rows": 3})
    follow_up_on = StringField(
        "Follow up on",
        validators=[Optional()],
        render_kw={"type": "date"},
        description="It shows on your follow-ups list from that day.",
    )

    def to_data(self, zone) -> dict:
        when = (self.occurred_at.data or "").strip()
        if when:
            import datetime as dt

            try:
                moment = dt.datetime.fromisoformat(when)
            except ValueError:
                pass
            else:
                if moment.tzinfo is None:
                    when = moment.replace(tzinfo=zone).isoformat()
        return {
            "kind": self.kind.data,
            "occurred_at": when or None,
            "summary": self.summary.data,
            "follow_up_on": (self.follow_up_on.data or "").strip() or None,
        }


class TargetForm(FlaskForm):
    target_count = IntegerField(
        "Active advocates wanted", validators=[Optional()], description="At least 1."
    )
    industry = SelectField("Industry", validate_choice=False, coerce=text_or_empty)
    product = SelectField("Product", validate_choice=False, coerce=text_or_empty)
    region = _select("Region", REGIONS, blank="Any region")
    segment = _select("Segment", SEGMENTS, blank="Any segment")
    activity_type = _select("Willing to do", ACTIVITY_TYPES, blank="Any activity")
    due_on = StringField("By", validators=[Optional()], render_kw={"type": "date"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.industry.choices = taxonomy_choices("industry", blank="Any industry")
        self.product.choices = taxonomy_choices("product", blank="Any product")

    def to_data(self) -> dict:
        return {
            "target_count": self.target_count.data,
            "industry": self.industry.data or None,
            "product": self.product.data or None,
            "region": self.region.data or None,
            "segment": self.segment.data or None,
            "activity_type": self.activity_type.data or None,
            "due_on": (self.due_on.data or "").strip() or None,
        }


class WelcomeForm(FlaskForm):
    version = HiddenField()  # the terms version the invitee read
    accept_terms = BooleanField("I have read the program terms and accept them")
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=10, max=128, message=LENGTH_MESSAGE)],
        description=PASSWORD_HELP,
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class DeclineInvitationForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    kind = _select("What the file holds", ("accounts", "advocates"), validators=[Required()])
    file = FileField(
        "CSV file",
        description="UTF-8 (with or without BOM), commas or semicolons, a header row. "
        "Accounts are matched by crm_id, advocates by e-mail.",
    )


class ConfirmImportForm(FlaskForm):
    upload = HiddenField()
    kind = HiddenField()


class NominateSuggestionForm(FlaskForm):
    next = HiddenField()  # "pipeline" or "suggestions": where to go back after a refusal


class DismissSuggestionForm(FlaskForm):
    next = HiddenField()
    reason = StringField(
        "Why not (optional)",
        validators=[Optional()],
        filters=[blank_to_none],
        description="Customer success and the program team read this.",
    )
