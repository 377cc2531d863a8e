"""Forms of the work-in-progress pages: joining an activity, and linking one to a request."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.work.sharing import NOTE_MAX


class JoinForm(FlaskForm):
    """A requester joins one of their own open requests to an activity on the work page."""

    request_id = IntegerField(
        "Your request",
        validators=[
            InputRequired("Choose one of your open requests."),
            NumberRange(min=1, max=2**31 - 1, message="Choose one of your open requests."),
        ],
    )


class ShareForm(FlaskForm):
    """The program team serves a request with an activity already planned."""

    ask_id = IntegerField(
        "Activity",
        validators=[InputRequired("Choose an activity."), NumberRange(min=1, max=2**31 - 1)],
    )
    note = StringField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])


def first_error(form: FlaskForm) -> str:
    """The first field error of `form`, for a flash message."""
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return "Check the form and try again."
