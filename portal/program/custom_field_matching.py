"""Custom fields in matching: choice fields marked `match_criterion` may be asked for in a
request's criteria (`criteria.custom`) and count in matching; see `framed_values` and
`shares`. A requested value matches an advocate or their account holding it.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility
from portal.extensions import db
from portal.program.custom_fields import ENTITIES, _choice_fields, definitions
from portal.program.models import CustomField
from portal.program.service import Vocabulary, taxonomy_labels

# The program setting's key for the weight of a requested custom field in matching.
WEIGHT_KEY = "custom"
WEIGHT_DEFAULT = 2


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
