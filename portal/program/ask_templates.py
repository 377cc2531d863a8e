"""Ask templates: the program's text per activity type that goes with every ask (what the
activity is, what the advocate will be asked, how long it takes), in the ask's e-mail and on
the advocate's ask page, before the personal note of whoever placed the ask.

A template is plain text with line breaks (at most 2,000 characters; no HTML, no control
characters); an empty one sends no text for that activity type. The program's setting
`ask_templates` holds every type's text; types it does not name (a type added later) use the
shipped text of `ask_template_texts`. Pages and the API change them through
`update_ask_templates` or the policy's `update_policy`; `set_setting` audits each change.
"""

from __future__ import annotations

import unicodedata

from portal.auth.permissions import demand
from portal.program.ask_template_texts import DEFAULT_ASK_TEMPLATES
from portal.program.service import get_setting, set_setting
from portal.program.translation_lookup import translated
from portal.validation import PLAIN_TEXT, has_markup, refuse_if_any
from portal.vocab import ACTIVITY_TYPES

SETTING = "ask_templates"
TEMPLATE_MAX = 2000
_KEPT_CONTROLS = frozenset("\n\t")


def clean_multiline(value, max_length: int) -> tuple[str | None, str | None]:
    """(text, None) for plain text with line breaks, or (None, why) naming the problem. Line
    ends become "\\n" (a browser sends "\\r\\n", counted once as the page's counter does);
    the text is stripped; None stays None."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "Must be text."
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Control characters (NUL among them: PostgreSQL refuses it in text), but line breaks and tabs.
    if any(unicodedata.category(ch) == "Cc" and ch not in _KEPT_CONTROLS for ch in text):
        return None, "Remove the control character."
    if len(text) > max_length:
        return None, f"Must be at most {max_length:,} characters (it has {len(text):,})."
    if has_markup(text):
        return None, PLAIN_TEXT
    return text, None


def ask_templates() -> dict[str, str]:
    """Every activity type's template text as the program has it ("" for none)."""
    stored = get_setting(SETTING) or {}
    return {t: stored.get(t, DEFAULT_ASK_TEMPLATES.get(t, "")) for t in ACTIVITY_TYPES}


def template_text(activity_type: str | None, locale: str | None = None) -> str | None:
    """The template text for an ask of `activity_type` in `locale` (default: the page's or
    message's) when translated, else in English; None when the program sends none."""
    if activity_type is None:
        return None
    english = ask_templates().get(activity_type) or None
    if english is None:
        return None
    return translated("ask_template", activity_type, english, locale)


def template_errors(given) -> tuple[dict[str, str], dict[str, str]]:
    """Check a change of templates: `given` maps activity types to text ("" for none) or None
    (back to the shipped text). Returns (every type's text after the change, {type: why});
    a `given` that is not an object is refused as a whole, under SETTING."""
    templates = ask_templates()
    if not isinstance(given, dict):
        return templates, {SETTING: "Send an object of activity type -> text."}
    errors: dict[str, str] = {}
    for activity_type, value in given.items():
        if activity_type not in ACTIVITY_TYPES:
            errors[str(activity_type)] = "Unknown activity type."
            continue
        if value is None:
            templates[activity_type] = DEFAULT_ASK_TEMPLATES.get(activity_type, "")
            continue
        text, why = clean_multiline(value, TEMPLATE_MAX)
        if why:
            errors[activity_type] = why
        else:
            templates[activity_type] = text
    return templates, errors


def check_ask_templates(given) -> dict[str, str]:
    """Every type's text after the change `given`, or ValidationFailed naming each bad type."""
    templates, errors = template_errors(given)
    refuse_if_any(errors)
    return templates


def may_manage_ask_templates(actor) -> None:
    """Only administrators change the program's ask templates (as every setting)."""
    demand(actor, "users.manage", "Only administrators manage the program's ask templates.")


def update_ask_templates(actor, data) -> dict[str, list]:
    """Set any activity types' templates; returns {type: [old, new]} of those that changed.
    Nothing is written when one is wrong; the change is audited by `set_setting`."""
    may_manage_ask_templates(actor)
    templates = check_ask_templates(data)
    current = ask_templates()
    changed = {t: [current[t], templates[t]] for t in ACTIVITY_TYPES if current[t] != templates[t]}
    if changed:
        set_setting(actor, SETTING, templates)
    return changed
