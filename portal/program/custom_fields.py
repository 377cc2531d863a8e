"""Custom fields on accounts and advocates: the definitions administrators manage, and the one
check of the values a record carries (pages, API and imports all call `check_values`).

A record keeps its values in its `custom_fields` JSON object (key -> value): a number as a
number, a date as an ISO string, a choice as the term's value (a list of values when the field
takes several). A choice field's options are the active terms of its taxonomy kind; a value
that was stored before its term was retired is kept as long as it does not change. Choice
fields marked `match_criterion` may be asked for in a request's criteria (`criteria.custom`)
and count in matching; see `framed_values` and `shares`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import g, has_app_context

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility, ReferenceRequest
from portal.audit import service as audit
from portal.auth.permissions import can
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.program import taxonomy
from portal.program.models import CustomField, TaxonomyKind
from portal.program.service import Vocabulary, taxonomy_labels
from portal.validation import PLAIN_TEXT, Checker, has_markup

ENTITIES = ("account", "advocate")
TYPES = ("text", "number", "choice", "date")
MODELS = {"account": Account, "advocate": Advocate}
PREFIX = "custom_fields."
KEY_MAX = 40
LABEL_MAX = 120
TEXT_MAX = 500
NUMBER_MAX = 10**15
# A key is also a CSV column and an API name: it may not be one the record has already.
RESERVED = frozenset(
    {
        *(column.key for column in Account.__table__.columns),
        *(column.key for column in Advocate.__table__.columns),
        "account_crm_id",
        "csm_email",
        "custom",
    }
)
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
FLAGS = ("multiple", "required", "match_criterion", "show_in_list")
# What an administrator may change after adding a field (key, entity, type and options stay:
# stored values depend on them).
EDITABLE = ("label", "required", "match_criterion", "show_in_list", "position", "active")
# The program setting's key for the weight of a requested custom field in matching.
WEIGHT_KEY = "custom"
WEIGHT_DEFAULT = 2
_CACHE = "portal_custom_choice_fields"


def require_admin(actor) -> None:
    if not can(actor, "users.manage"):
        raise Forbidden("Only administrators change custom fields.")


# Definitions -----------------------------------------------------------------------------------


def definitions(entity: str | None = None, *, active_only: bool = False) -> list[CustomField]:
    """The fields of one entity (or all), in position order."""
    query = sa.select(CustomField).order_by(
        CustomField.entity, CustomField.position, CustomField.id
    )
    if entity is not None:
        query = query.where(CustomField.entity == entity)
    if active_only:
        query = query.where(CustomField.active.is_(True))
    return list(db.session.scalars(query))


def get_field(actor, field_id) -> CustomField:
    require_admin(actor)
    field = db.session.get(CustomField, field_id) if isinstance(field_id, int) else None
    if field is None:
        raise NotFound("No such custom field.")
    return field


def _boolean(c: Checker, name: str) -> None:
    if name not in c.data:
        return
    value = c.data[name]
    if value is None:
        c.clean[name] = False
    elif isinstance(value, bool):
        c.clean[name] = value
    else:
        c.error(name, "Must be true or false.")


def add_field(actor, data: dict) -> CustomField:
    """Add a field to accounts or advocates; `key` (the stored name, a CSV column) is made from
    the label when blank and never changes."""
    require_admin(actor)
    allowed = ("entity", "key", "label", "type", "taxonomy_kind", *FLAGS, "position")
    c = Checker(data, allowed=allowed)
    c.choice("entity", ENTITIES, required=True)
    c.text("label", max_length=LABEL_MAX, required=True)
    c.text("key", max_length=KEY_MAX)
    c.choice("type", TYPES, required=True)
    c.text("taxonomy_kind", max_length=KEY_MAX)
    c.integer("position", minimum=0, maximum=10_000)
    for name in FLAGS:
        _boolean(c, name)
    c.plain("label")
    clean = c.done()
    key = clean.get("key") or _slug(clean["label"])
    key_field = "key" if clean.get("key") else "label"
    if not _KEY.match(key):
        raise ValidationFailed(
            "Use lower-case letters, digits and _ for the key, starting with a letter.",
            field=key_field,
        )
    if key in RESERVED:
        raise ValidationFailed(
            f"{key} is a built-in field name: choose another key.", field=key_field
        )
    entity = clean["entity"]
    duplicate = db.session.scalar(
        sa.select(CustomField).where(CustomField.entity == entity, CustomField.key == key)
    )
    if duplicate is not None:
        raise ValidationFailed(
            f"{entity.capitalize()}s already have a field {key} ({duplicate.label}).",
            field=key_field,
        )
    kind = clean.get("taxonomy_kind")
    if clean["type"] == "choice":
        row = db.session.get(TaxonomyKind, kind) if kind else None
        if row is None or not row.active:
            raise ValidationFailed(
                "Pick the taxonomy whose terms are the options.", field="taxonomy_kind"
            )
    else:
        if kind:
            raise ValidationFailed("Only choice fields take a taxonomy.", field="taxonomy_kind")
        if clean.get("multiple"):
            raise ValidationFailed("Only choice fields take several values.", field="multiple")
        if clean.get("match_criterion"):
            raise ValidationFailed(
                "Only choice fields can be used in matching.", field="match_criterion"
            )
        kind = None
    position = clean.get("position")
    if position is None:
        highest = db.session.scalar(
            sa.select(sa.func.max(CustomField.position)).where(CustomField.entity == entity)
        )
        position = (highest or 0) + 1
    field = CustomField(
        entity=entity,
        key=key,
        label=clean["label"],
        type=clean["type"],
        taxonomy_kind=kind,
        position=position,
        active=True,
        **{name: bool(clean.get(name)) for name in FLAGS},
    )
    db.session.add(field)
    db.session.flush()
    _forget()
    audit.record(actor, "custom_field.added", field, definition_dict(field))
    return field


def update_field(actor, field: CustomField, data: dict) -> dict:
    """Change a field's label, flags, position, or retire (active false) or restore it; returns
    {name: [old, new]}. Its key, entity, type and options never change."""
    require_admin(actor)
    fixed = ("id", "entity", "key", "type", "taxonomy_kind", "multiple")
    c = Checker(
        data,
        allowed=(*EDITABLE, *fixed),
        partial=True,
    )
    for name in fixed:
        if name in c.data and c.data[name] != getattr(field, name):
            c.error(name, "Can't change once the field exists: add a new field instead.")
    c.text("label", max_length=LABEL_MAX, required=True)
    c.integer("position", minimum=0, maximum=10_000, required=True)
    for name in ("required", "match_criterion", "show_in_list", "active"):
        _boolean(c, name)
    c.plain("label")
    clean = {name: value for name, value in c.done().items() if name in EDITABLE}
    if clean.get("match_criterion") and field.type != "choice":
        raise ValidationFailed(
            "Only choice fields can be used in matching.", field="match_criterion"
        )
    changed = audit.changes(field, clean)
    _forget()
    if changed:
        action = "custom_field.updated"
        if "active" in changed:
            action = "custom_field.restored" if field.active else "custom_field.retired"
        db.session.flush()
        audit.record(actor, action, field, changed)
    return changed


def _forget() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:KEY_MAX].strip("_")


def definition_dict(field: CustomField) -> dict:
    """A definition as the API shows it."""
    return {
        "id": field.id,
        "entity": field.entity,
        "key": field.key,
        "label": field.label,
        "type": field.type,
        "taxonomy_kind": field.taxonomy_kind,
        "multiple": field.multiple,
        "required": field.required,
        "match_criterion": field.match_criterion,
        "show_in_list": field.show_in_list,
        "position": field.position,
        "active": field.active,
    }


# Values ------------------------------------------------------------------------------------------


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
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields=errors)
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
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields=errors)
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


# Matching -------------------------------------------------------------------------------------


def choice_keys_query() -> sa.Select:
    """(entity, key) of every choice field, retired ones too: what `choice_keys` reads."""
    return sa.select(CustomField.entity, CustomField.key).where(CustomField.type == "choice")


def choice_keys(rows=None) -> dict[str, frozenset[str]]:
    """{entity: keys of its choice fields}, retired ones too (their stored values still match
    nothing new, but stay on the row until they change); `rows`: the (entity, key) pairs of
    `choice_keys_query()` when read already (with other small tables, in one statement)."""
    found: dict[str, set[str]] = {entity: set() for entity in ENTITIES}
    for entity, key in db.session.execute(choice_keys_query()) if rows is None else rows:
        found[entity].add(key)
    return {entity: frozenset(keys) for entity, keys in found.items()}


def match_tags(advocate: Advocate, keys: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    """(key, value) of the choice values of an advocate and their account."""
    tags = set()
    for entity, values in (
        ("advocate", advocate.custom_fields),
        ("account", advocate.account.custom_fields),
    ):
        for key, value in (values or {}).items():
            if key not in keys.get(entity, ()):
                continue
            for one in value if isinstance(value, list) else [value]:
                if isinstance(one, str) and one:
                    tags.add((key, one))
    return tags


def framed_values(advocate: Advocate, keys: dict[str, frozenset[str]]) -> str:
    """The eligibility row's `crit_custom`: '|key=value|...', found by `shares`."""
    pairs = sorted(f"{key}={value}" for key, value in match_tags(advocate, keys))
    return f"|{'|'.join(pairs)}|" if pairs else ""


def criteria_fields() -> dict[str, list[CustomField]]:
    """{key: its active match-criterion choice fields} (an account's and an advocate's field
    may share a key: a request for it matches either)."""
    found: dict[str, list[CustomField]] = {}
    for field in definitions(active_only=True):
        if field.type == "choice" and field.match_criterion:
            found.setdefault(field.key, []).append(field)
    return found


def check_criteria(value) -> tuple[dict[str, list[str]], dict[str, str]]:
    """A request's `criteria.custom` ({key: [values]}): (clean, {criteria.custom.<key>: why})."""
    if value is None or value == {}:
        return {}, {}
    if not isinstance(value, dict):
        return {}, {
            "criteria.custom": 'Must be an object of lists, such as {"job_function": [...]}.'
        }
    fields = criteria_fields()
    vocabulary = Vocabulary()
    clean, errors = {}, {}
    for key, values in value.items():
        name = f"criteria.custom.{key}"
        if key not in fields:
            errors[name] = "Unknown criterion: not a custom field used in matching."
            continue
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            errors[name] = "Must be a list of values."
            continue
        options = set()
        for field in fields[key]:
            options |= set(vocabulary.labels.get(field.taxonomy_kind or "", {}))
        unknown = [v for v in values if v not in options]
        if unknown:
            errors[name] = f"Unknown value: {', '.join(unknown[:5])}."
        elif len(values) > 50:
            errors[name] = "At most 50 values."
        elif values:
            clean[key] = list(dict.fromkeys(values))
    return clean, errors


def requested(criteria: dict | None) -> dict[str, list[str]]:
    """{'custom.<key>': values} of a request's custom criteria (matching's tag kinds)."""
    custom = (criteria or {}).get("custom") or {}
    if not isinstance(custom, dict) or not custom:
        return {}
    # Only fields still used in matching count (an administrator may have turned one off).
    used = {f.key for f in _choice_fields() if f.active and f.match_criterion}
    return {f"custom.{key}": list(v) for key, v in custom.items() if v and key in used}


def criteria_words(criteria: dict | None) -> list[tuple[str, list[str]]]:
    """A request's custom criteria in words, for pages: [('Job function', ['CIO', 'CTO'])]."""
    custom = (criteria or {}).get("custom") or {}
    if not isinstance(custom, dict) or not custom:
        return []
    fields = {}
    for field in definitions():
        if field.type == "choice":
            fields.setdefault(field.key, field)
    labels = taxonomy_labels()
    words = []
    for key, values in custom.items():
        field = fields.get(key)
        kind = field.taxonomy_kind if field else None
        label = field.label if field else key
        words.append((label, [labels.get((kind, value), value) for value in values or []]))
    return words


def is_custom(kind: str) -> bool:
    return kind.startswith("custom.")


def shares(kind: str, values: list[str]):
    """SQL truth of "the advocate or their account has one of `values` in the custom field
    `kind` ('custom.<key>')" on the eligibility row."""
    key = kind.removeprefix("custom.")
    column = AdvocateEligibility.crit_custom
    return sa.or_(*(column.contains(f"|{key}={value}|", autoescape=True) for value in values))


class Weights(dict):
    """Matching's weights in tenths: a requested custom field ('custom.<key>') weighs
    `custom`."""

    def __missing__(self, kind: str) -> int:
        if is_custom(kind):
            return self[WEIGHT_KEY]
        raise KeyError(kind)


def weight(weights: dict) -> int:
    """The weight (in tenths) of one requested custom field, from `match_weights`."""
    value = (weights or {}).get(WEIGHT_KEY, WEIGHT_DEFAULT)
    return round(float(value or 0) * 10)


def _choice_fields() -> list[CustomField]:
    """The choice fields, read once per request (matching words reasons for many rows)."""
    if not has_app_context():
        return [field for field in definitions() if field.type == "choice"]
    if _CACHE not in g:
        setattr(g, _CACHE, [field for field in definitions() if field.type == "choice"])
    return getattr(g, _CACHE)


def reasons(advocate: Advocate, terms: dict[str, list[str]], labels: dict) -> list[str]:
    """'Job function: CIO' for each requested custom field the advocate (or account) shares;
    `labels`: taxonomy_labels()."""
    wanted = {kind.removeprefix("custom."): v for kind, v in terms.items() if is_custom(kind)}
    if not wanted:
        return []
    fields = _choice_fields()
    keys = {entity: frozenset(f.key for f in fields if f.entity == entity) for entity in ENTITIES}
    have = match_tags(advocate, keys)
    found = []
    for key, values in wanted.items():
        shared = [value for value in values if (key, value) in have]
        field = next((f for f in fields if f.key == key and f.active and f.match_criterion), None)
        if not shared or field is None:
            continue
        words = ", ".join(labels.get((field.taxonomy_kind, v), v) for v in shared)
        found.append(f"{field.label}: {words}")
    return found


# Taxonomy merges ------------------------------------------------------------------------------


def move_merged_values(kind: str, old_value: str, new_value: str) -> int:
    """A merge of taxonomy terms moves the stored values of choice fields of that kind (a
    handler of `taxonomy.MERGE_HANDLERS`); returns how many records changed. The records
    change through the ORM, so matching's rows follow by the flush hook."""
    fields = [
        field for field in definitions() if field.type == "choice" and field.taxonomy_kind == kind
    ]
    moved = 0
    for entity in ENTITIES:
        keys = [field.key for field in fields if field.entity == entity]
        if not keys:
            continue
        model = MODELS[entity]
        # A cheap text filter first; the JSON is then read exactly.
        candidates = db.session.scalars(
            sa.select(model).where(
                sa.cast(model.custom_fields, sa.Text).contains(old_value, autoescape=True)
            )
        )
        for record in candidates:
            values = dict(record.custom_fields or {})
            changed = False
            for key in keys:
                value = values.get(key)
                if value == old_value:
                    values[key] = new_value
                    changed = True
                elif isinstance(value, list) and old_value in value:
                    values[key] = list(
                        dict.fromkeys(new_value if v == old_value else v for v in value)
                    )
                    changed = True
            if changed:
                record.custom_fields = values
                moved += 1
    moved += _move_in_requests({field.key for field in fields}, old_value, new_value)
    db.session.flush()
    return moved


def _move_in_requests(keys: set[str], old_value: str, new_value: str) -> int:
    """Requests asking for the old value in `criteria.custom` ask for the new one."""
    if not keys:
        return 0
    moved = 0
    criteria = sa.cast(ReferenceRequest.criteria, sa.Text)
    for request in db.session.scalars(
        sa.select(ReferenceRequest).where(criteria.contains(f'"{old_value}"', autoescape=True))
    ):
        stored = dict(request.criteria or {})
        custom = dict(stored.get("custom") or {})
        hit = [key for key in keys if old_value in (custom.get(key) or [])]
        if not hit:
            continue
        for key in hit:
            custom[key] = list(
                dict.fromkeys(new_value if v == old_value else v for v in custom[key])
            )
        request.criteria = {**stored, "custom": custom}
        moved += 1
    return moved


def register_merge_handler() -> None:
    """Install `move_merged_values` among the taxonomy's merge handlers (once)."""
    if move_merged_values not in taxonomy.MERGE_HANDLERS:
        taxonomy.MERGE_HANDLERS.append(move_merged_values)
