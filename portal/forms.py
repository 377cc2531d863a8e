"""Helpers every domain's forms share: fields, coercions, and service errors shown on a form."""

from __future__ import annotations

from flask import flash
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.database import parse_id
from portal.errors import DomainError


class Required:
    """Marks a field required (asterisk, aria); the service checks it and says why."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (short lists: events, options)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def text_or_empty(value) -> str:
    """Select coercion that shows a missing value as the empty choice, not 'None'."""
    return "" if value is None else str(value)


def blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def id_or_raw(value):
    """A chosen id as int; anything else goes to the service as is, which names the problem."""
    value = blank_to_none(value)
    found = parse_id(value)
    return value if found is None else found


def form_status(form) -> int:
    """A form page's status: 422 when it shows a refused submission again, else 200."""
    return 422 if form.is_submitted() else 200


def show_service_errors(form, error: DomainError, fallback: str | None = None) -> None:
    """Put each message of a service error next to its field; the rest become flash messages.

    `fallback` names the field for an error that names none (a refusal such as Forbidden).
    """
    fields = error.fields or ({fallback: error.message} if fallback else {})
    if not fields:
        flash(error.message, "error")
    for name, message in fields.items():
        head, _, key = name.partition(".")
        if name in form:
            form[name].errors.append(message)
        elif key and head in form and hasattr(form[head], "add_error"):
            form[head].add_error(key, message)  # a part of a field: custom_fields.<key>
        else:
            flash(message, "error")
