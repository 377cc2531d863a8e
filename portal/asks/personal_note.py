"""The personal note that goes with an ask: written by whoever places it (the reference manager,
or the requester on a self-service request), shown to the advocate after the program's ask
template for the activity type (portal/program/ask_templates.py). Stored as `Ask.personal_note`:
`Ask.note` is the advocate's own note with their answer."""

from __future__ import annotations

from portal.errors import ValidationFailed
from portal.program.ask_templates import clean_multiline

FIELD = "personal_note"
PERSONAL_NOTE_MAX = 1000


def check_personal_note(value) -> str | None:
    """The note to store (None when there is none), or ValidationFailed on `personal_note`:
    plain text with line breaks, at most 1,000 characters."""
    text, why = clean_multiline(value, PERSONAL_NOTE_MAX)
    if why:
        raise ValidationFailed(f"{FIELD}: {why}", fields={FIELD: why})
    return text or None
