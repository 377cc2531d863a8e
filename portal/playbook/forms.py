"""The program team's form for one playbook entry (the service checks every rule)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.forms import MultiCheckboxField, Required, text_or_empty
from portal.playbook.service import BRIEF_MAX, LIST_LINES_MAX, LIST_MAX, STAGE_HELP
from portal.vocab import STAGE_GROUPS, label


class PlaybookEntryForm(FlaskForm):
    """One activity type's entry; built with prefix=<activity type> so each form on the page
    has its own field ids."""

    stages = MultiCheckboxField(
        "Fits these sales stages",
        choices=[SelectChoice(s, label(s)) for s in STAGE_GROUPS],
        validate_choice=False,
        validators=[Required()],
        description=" ".join(STAGE_HELP.values()),
    )
    brief = TextAreaField(
        "How to brief an advocate",
        validators=[Required()],
        filters=[text_or_empty],
        description=f"Plain paragraphs or Markdown-lite (**bold**, *italic*, - lists, "
        f"[links](https://...)); no HTML. At most {BRIEF_MAX} characters.",
        render_kw={"rows": 5, "maxlength": BRIEF_MAX},
    )
    dos = TextAreaField(
        "Do's",
        filters=[text_or_empty],
        description=f"One a line, at most {LIST_LINES_MAX} ({LIST_MAX} characters).",
        render_kw={"rows": 4},
    )
    donts = TextAreaField(
        "Don'ts",
        filters=[text_or_empty],
        description=f"One a line, at most {LIST_LINES_MAX} ({LIST_MAX} characters).",
        render_kw={"rows": 4},
    )

    def to_data(self) -> dict:
        return {
            "stages": list(self.stages.data or []),
            "brief": self.brief.data,
            "dos": self.dos.data,
            "donts": self.donts.data,
        }
