"""The values of custom fields: the one check of the values a record carries (pages, API and
imports all call `check_values`), their words on pages, and their CSV columns.

A record keeps its values in its `custom_fields` JSON object (key -> value): a number as a
number, a date as an ISO string, a choice as the term's value (a list of values when the field
takes several). A choice field's options are the active terms of its taxonomy kind; a value
that was stored before its term was retired is kept as long as it does not change.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from portal.errors import ValidationFailed
from portal.program.custom_fields import definitions
from portal.program.models import CustomField
from portal.program.service import Vocabulary, taxonomy_labels
from portal.validation import PLAIN_TEXT, has_markup, refuse_if_any

PREFIX = "custom_fields."
TEXT_MAX = 500
NUMBER_MAX = 10**15


class FieldSet:
    """One entity's definitions and the choice options, read once (an import reuses one for
    every row)."""

    def __init__(self, entity: str, vocabulary: Vocabulary | None = None) -> None:
        self.entity = entity
        self.fields = {field.key: field for field in definitions(entity)}
        self._vocabulary = vocabulary

    @property
    def vocabulary(self) -> Vocabulary:
        """The active terms, read on first use (or the one an import already read)."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary()
        return self._vocabulary

    @vocabulary.setter
    def vocabulary(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary

    @property
    def active(self) -> list[CustomField]:
        return [field for field in self.fields.values() if field.active]

    def options(self, field: CustomField) -> dict[str, str]:
        """value -> label of the active terms a choice field offers."""
        return self.vocabulary.labels.get(field.taxonomy_kind or "", {})


class _Bad(Exception):
    pass


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(value, text: bool):
    if isinstance(value, str) and text:
        raw = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise _Bad("Must be a number, such as 42 or 3.5.") from None
        if not number.is_finite():
            raise _Bad("Must be a number, such as 42 or 3.5.")
        value = int(number) if number == number.to_integral_value() else float(number)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("Must be a number, such as 42 or 3.5.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("Must be a number, such as 42 or 3.5.")
        if value.is_integer():
            value = int(value)
    if abs(value) > NUMBER_MAX:
        raise _Bad("Must be less than a quadrillion.")
    return value


def _date(value) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _Bad("Use a date like 2026-12-31.")


def _text(value) -> str:
    if not isinstance(value, str):
        raise _Bad("Must be text.")
    value = value.strip()
    if "\x00" in value:
        raise _Bad("Remove the control character.")
    if len(value) > TEXT_MAX:
        raise _Bad(f"Must be at most {TEXT_MAX} characters (it has {len(value)}).")
    if has_markup(value):
        raise _Bad(PLAIN_TEXT)
    return value


def _one_choice(value, options: dict[str, str], kept: set[str], text: bool) -> str:
    if not isinstance(value, str):
        raise _Bad("Must be one of the field's values.")
    value = value.strip()
    if value in options or value in kept:
        return value
    if text:  # files and forms may give the label, in any case
        wanted = value.casefold()
        for option, label in options.items():
            if wanted in (option.casefold(), label.casefold()):
                return option
    shown = ", ".join(sorted(options)[:10]) + (", ..." if len(options) > 10 else "")
    quoted = value if len(value) <= 60 else value[:57] + "..."
    raise _Bad(f"Unknown value {quoted}; use one of: {shown or 'none yet'}.")


def _choice(field: CustomField, value, old, fs: FieldSet, text: bool):
    options = fs.options(field)
    if not field.multiple:
        return _one_choice(value, options, {old} if isinstance(old, str) else set(), text)
    if text and isinstance(value, str):
        value = [part for part in re.split(r"[|;\n]", value) if part.strip()]
    if not isinstance(value, list):
        raise _Bad("Must be a list of values.")
    kept = set(old) if isinstance(old, list) else set()
    values = [_one_choice(v, options, kept, text) for v in value]
    if len(values) > 50:
        raise _Bad("At most 50 values.")
    return list(dict.fromkeys(values)) or None


def _clean(field: CustomField, value, old, fs: FieldSet, text: bool):
    if _blank(value):
        return None
    if field.type == "text":
        return _text(value)
    if field.type == "number":
        return _number(value, text)
    if field.type == "date":
        return _date(value)
    return _choice(field, value, old, fs, text)


class TextValues(dict):
    """Custom values as a form typed them (numbers as digits, choices by value or label,
    several choices separated by |): `check_values` reads them with `text` on."""


def check_values(
    entity: str,
    data,
    existing: dict | None = None,
    *,
    creating: bool = False,
    text: bool = False,
    fieldset: FieldSet | None = None,
) -> dict:
    """The record's custom values after applying `data` ({key: value}; a blank value clears
    it) to `existing`, or ValidationFailed naming each bad one as `custom_fields.<key>`.

    `text`: the values come from a form or a file (numbers as digits, choices by value or
    label, several choices separated by |). `creating`: every required field must be given.
    A retired field takes no new value, but its stored one is kept (and may be sent back).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            'custom_fields: Send an object such as {"job_function": "cio"}.',
            fields={"custom_fields": 'Send an object such as {"job_function": "cio"}.'},
        )
    text = text or isinstance(data, TextValues)
    fs = fieldset if fieldset is not None else FieldSet(entity)
    existing = dict(existing or {})
    result = dict(existing)
    errors: dict[str, str] = {}
    for key, value in data.items():
        name = f"{PREFIX}{key}"
        field = fs.fields.get(key) if isinstance(key, str) else None
        if field is None:
            errors[name] = "Unknown field."
            continue
        if not field.active:
            if value == existing.get(key) or (_blank(value) and key not in existing):
                continue
            errors[name] = f"{field.label} is retired: its value can't change."
            continue
        try:
            clean = _clean(field, value, existing.get(key), fs, text)
        except _Bad as bad:
            errors[name] = str(bad)
            continue
        if clean is None:
            if field.required:
                errors[name] = "This field is required."
            result.pop(key, None)
        else:
            result[key] = clean
    if creating:
        for field in fs.active:
            if field.required and field.key not in result:
                errors.setdefault(f"{PREFIX}{field.key}", "This field is required.")
    refuse_if_any(errors)
    return result


def check_record(entity: str, data, check, existing: dict | None = None, *, creating: bool):
    """A record's input checked whole: its own fields by `check(data)` (the service's check)
    and its `custom_fields` here, every bad field named at once. The clean dict carries
    `custom_fields` (the values to store) when they were sent or the record is new."""
    own, given, sent = data, None, False
    if isinstance(data, dict) and "custom_fields" in data:
        own = dict(data)
        given, sent = own.pop("custom_fields"), True
    errors: dict[str, str] = {}
    clean, custom = {}, None
    try:
        clean = check(own)
    except ValidationFailed as error:
        errors.update(error.fields or {"body": error.message})
    if sent or creating:
        try:
            custom = check_values(entity, given, existing, creating=creating)
        except ValidationFailed as error:
            errors.update(error.fields)
    refuse_if_any(errors)
    if custom is not None:
        clean["custom_fields"] = custom
    return clean


# Showing values --------------------------------------------------------------------------------


def value_text(field: CustomField, value, labels: dict) -> str:
    """A stored value in words: term labels (retired terms too), dates and numbers as read."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == "choice":
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get((field.taxonomy_kind, v), str(v)) for v in values)
    if field.type == "number" and isinstance(value, int | float):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.10g}"
    if field.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d %b %Y")
        except ValueError:
            return value
    return str(value)


class Shown:
    """What pages show of one entity's fields: detail rows and list columns."""

    def __init__(self, entity: str) -> None:
        self.fields = definitions(entity)
        self.labels = taxonomy_labels()
        self.columns = [field for field in self.fields if field.active and field.show_in_list]

    def rows(self, values: dict | None) -> list[tuple[str, str, bool]]:
        """(label, text, retired) of every active field, and of retired ones with a value."""
        values = values or {}
        return [
            (field.label, self.text(field, values), not field.active)
            for field in self.fields
            if field.active or field.key in values
        ]

    def text(self, field: CustomField, values: dict | None) -> str:
        return value_text(field, (values or {}).get(field.key), self.labels)


# CSV ----------------------------------------------------------------------------------------------


def csv_keys(entity: str) -> list[str]:
    """The columns an export writes after the built-in ones: the active fields' keys."""
    return [field.key for field in definitions(entity, active_only=True)]


def csv_cells(values: dict | None, keys: list[str]) -> list:
    """One record's custom values as cells for `keys` (lists joined by the CSV module)."""
    values = values or {}
    return [values.get(key) for key in keys]
