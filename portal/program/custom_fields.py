"""Custom fields on accounts and advocates: the definitions administrators manage, and what a
merge of taxonomy terms does to the values stored for them. The values a record carries are
checked and shown by `custom_field_values`; matching on them is `custom_field_matching`.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g, has_app_context

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.program import taxonomy_merge
from portal.program.models import CustomField, TaxonomyKind
from portal.validation import Checker

ENTITIES = ("account", "advocate")
TYPES = ("text", "number", "choice", "date")
MODELS = {"account": Account, "advocate": Advocate}
KEY_MAX = 40
LABEL_MAX = 120
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
_CACHE = "portal_custom_choice_fields"


def require_admin(actor) -> None:
    demand(actor, "users.manage", "Only administrators change custom fields.")


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


def _choice_fields() -> list[CustomField]:
    """The choice fields, read once per request (matching words reasons for many rows)."""
    if not has_app_context():
        return [field for field in definitions() if field.type == "choice"]
    if _CACHE not in g:
        setattr(g, _CACHE, [field for field in definitions() if field.type == "choice"])
    return getattr(g, _CACHE)


# Taxonomy merges ------------------------------------------------------------------------------


def move_merged_values(kind: str, old_value: str, new_value: str) -> int:
    """A merge of taxonomy terms moves the stored values of choice fields of that kind (a
    handler of `taxonomy_merge.MERGE_HANDLERS`); returns how many records changed. The records
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
    if move_merged_values not in taxonomy_merge.MERGE_HANDLERS:
        taxonomy_merge.MERGE_HANDLERS.append(move_merged_values)
