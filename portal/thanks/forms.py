"""Forms of the advocate thanked: an advocate's feedback, a deal's sharing switch, settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

from portal.thanks.service import FEEDBACK_MAX


class AdvocateFeedbackForm(FlaskForm):
    feedback = TextAreaField(
        _l("Your feedback"),
        validators=[Length(max=FEEDBACK_MAX)],
        description=_l(
            "The person who asked and the reference team read it. At most %(most)s characters; "
            "leave it empty to remove it.",
            most=FEEDBACK_MAX,
        ),
        render_kw={"rows": 4, "maxlength": FEEDBACK_MAX},
    )


class DealShareForm(FlaskForm):
    share = BooleanField("Tell the advocates what their help achieved")


class ThanksSettingsForm(FlaskForm):
    share_outcomes_with_advocates = BooleanField(
        "Tell advocates when a deal they helped is won",
        description="The reference team turns it on for each deal, on the deal's page. Advocates "
        "hear the prospect's name and that the deal was won.",
    )
    share_outcome_amounts = BooleanField(
        "Include the deal's amount",
        description="Off: advocates never see what the deal was worth.",
    )
