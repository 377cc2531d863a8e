"""The managed taxonomy: kinds, terms, their order, groups and retiring terms (merging them:
`portal.program.taxonomy_merge`)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import aliased

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.content.models import ContentAsset
from portal.database import parse_id
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.program.models import TaxonomyKind, TaxonomyTerm
from portal.recruiting.models import Target
from portal.validation import Checker

# Their stored keys are part of the public contract (portal.vocab.REGIONS, SENIORITIES):
# administrators rename and reorder their labels only.
LABEL_ONLY_KINDS = ("region", "seniority")
KEY_MAX = 40
VALUE_MAX = 64
LABEL_MAX = 120
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

# Every place the portal stores a term's value: model -> {attribute: (kind, holds a list)}.
# Request criteria are a dict of lists, keyed as CRITERIA (below).
STORED: dict[type, dict[str, tuple[str, bool]]] = {
    Account: {"industry": ("industry", False), "products": ("product", True)},
    Advocate: {
        "products": ("product", True),
        "use_cases": ("use_case", True),
        "languages": ("language", True),
    },
    ContentAsset: {
        "industries": ("industry", True),
        "products": ("product", True),
        "use_cases": ("use_case", True),
    },
    Target: {"industry": ("industry", False), "product": ("product", False)},
}
CRITERIA = {
    "industries": "industry",
    "products": "product",
    "use_cases": "use_case",
    "languages": "language",
}
_LABELS = "portal.taxonomy.labels"


def held_values(record, kind: str) -> frozenset[str]:
    """The values of `kind` that `record` (an account, advocate, request...) stores now."""
    if record is None:
        return frozenset()
    held: set[str] = set()
    if isinstance(record, ReferenceRequest):
        for key, criterion_kind in CRITERIA.items():
            if criterion_kind == kind:
                held.update((record.criteria or {}).get(key) or [])
    for attribute, (stored_kind, many) in STORED.get(type(record), {}).items():
        if stored_kind != kind:
            continue
        value = getattr(record, attribute)
        held.update((value or []) if many else [value])
    return frozenset(v for v in held if isinstance(v, str) and v)


def _require_admin(actor) -> None:
    demand(actor, "users.manage", "Only administrators change the taxonomy.")


def slug(text: str, max_length: int) -> str:
    """A stored key from a label: 'Competitor replaced' reads 'competitor_replaced'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:max_length].strip("_")


def kinds(*, active_only: bool = False) -> list[TaxonomyKind]:
    """Every kind, in position order."""
    query = sa.select(TaxonomyKind).order_by(TaxonomyKind.position, TaxonomyKind.key)
    if active_only:
        query = query.where(TaxonomyKind.active.is_(True))
    return list(db.session.scalars(query))


def get_kind(key: str) -> TaxonomyKind:
    kind = db.session.get(TaxonomyKind, key) if isinstance(key, str) else None
    if kind is None:
        raise NotFound("No such taxonomy.", field="kind")
    return kind


def terms(kind: str) -> list[TaxonomyTerm]:
    """Every term of one kind, retired ones too, in position order."""
    return list(
        db.session.scalars(
            sa.select(TaxonomyTerm)
            .where(TaxonomyTerm.kind == kind)
            .order_by(TaxonomyTerm.position, TaxonomyTerm.label, TaxonomyTerm.id)
        )
    )


def terms_by_kind() -> dict[str, list[TaxonomyTerm]]:
    """Every term of every kind (as terms() orders them), in one statement: for pages and
    answers that list all kinds."""
    found: dict[str, list[TaxonomyTerm]] = {}
    for term in db.session.scalars(
        sa.select(TaxonomyTerm).order_by(
            TaxonomyTerm.kind, TaxonomyTerm.position, TaxonomyTerm.label, TaxonomyTerm.id
        )
    ):
        found.setdefault(term.kind, []).append(term)
    return found


def get_term(kind: str, term_id) -> TaxonomyTerm:
    term = db.session.get(TaxonomyTerm, term_id) if isinstance(term_id, int) else None
    if term is None or term.kind != kind:
        raise NotFound("No such term.", field="term")
    return term


def _next_position(kind: str) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(TaxonomyTerm.position)).where(TaxonomyTerm.kind == kind)
    )
    return (highest or 0) + 1


def add_kind(actor, key: str | None, label: str | None) -> TaxonomyKind:
    """Add a list people pick from (job function, competitor replaced...). `key` is the stored
    name; left blank, it is made from the label."""
    _require_admin(actor)
    c = Checker({"key": key, "label": label}, allowed=("key", "label"))
    c.text("label", max_length=LABEL_MAX, required=True)
    c.text("key", max_length=KEY_MAX)
    c.plain("label")
    clean = c.done()
    key = clean.get("key") or slug(clean["label"], KEY_MAX)
    if not _KEY.match(key):
        field = "key" if clean.get("key") else "label"
        raise ValidationFailed(
            "Use lower-case letters, digits and _ for the key, starting with a letter.",
            field=field,
        )
    if db.session.get(TaxonomyKind, key) is not None:
        raise ValidationFailed(f"There is already a taxonomy named {key}.", field="key")
    highest = db.session.scalar(sa.select(sa.func.max(TaxonomyKind.position)))
    kind = TaxonomyKind(
        key=key, label=clean["label"], builtin=False, position=(highest or 0) + 1, active=True
    )
    db.session.add(kind)
    db.session.flush()
    audit.record(actor, "taxonomy.kind_added", _KindRef(kind), {"key": key, "label": kind.label})
    return kind


def add_term(actor, kind: str, value: str | None, label: str | None, group=None) -> TaxonomyTerm:
    """Add a term to a kind, last in its order; `value` (the stored key) is made from the
    label when blank. `group`: the id of a term of the same kind this one belongs to."""
    _require_admin(actor)
    kind_row = get_kind(kind)
    if kind_row.key in LABEL_ONLY_KINDS:
        raise ValidationFailed(
            f"{kind_row.label} are fixed: rename them, but don't add any.", field="kind"
        )
    c = Checker({"value": value, "label": label}, allowed=("value", "label"))
    c.text("label", max_length=LABEL_MAX, required=True)
    c.text("value", max_length=VALUE_MAX)
    c.plain("label")
    clean = c.done()
    value = clean.get("value") or slug(clean["label"], VALUE_MAX)
    if not _KEY.match(value) and not re.fullmatch(r"[a-z0-9][a-z0-9_]*", value):
        field = "value" if clean.get("value") else "label"
        raise ValidationFailed("Use lower-case letters, digits and _ for the value.", field=field)
    duplicate = db.session.scalar(
        sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == kind, TaxonomyTerm.value == value)
    )
    if duplicate is not None:
        raise ValidationFailed(
            f"{kind_row.label} already has the value {value} ({duplicate.label}).", field="value"
        )
    group_id = _check_group(kind, None, group) if group not in (None, "") else None
    term = TaxonomyTerm(
        kind=kind,
        value=value,
        label=clean["label"],
        active=True,
        position=_next_position(kind),
        group_id=group_id,
    )
    db.session.add(term)
    db.session.flush()
    audit.record(
        actor,
        "taxonomy.term_added",
        term,
        {"kind": kind, "value": value, "label": term.label, "group_id": group_id},
    )
    return term


def _check_group(kind: str, term: TaxonomyTerm | None, group) -> int:
    """The id of a valid group for `term` (None: a new term)."""
    if isinstance(group, TaxonomyTerm):
        group = group.id
    if isinstance(group, str):
        group = parse_id(group)
    target = db.session.get(TaxonomyTerm, group) if isinstance(group, int) else None
    if target is None or target.kind != kind:
        raise ValidationFailed("Pick a group of the same taxonomy.", field="group_id")
    if kind in LABEL_ONLY_KINDS:
        raise ValidationFailed("Regions and seniorities are not grouped.", field="group_id")
    if term is not None and target.id == term.id:
        raise ValidationFailed("A term can't be its own group.", field="group_id")
    if target.group_id is not None:
        raise ValidationFailed(
            f"{target.label} belongs to a group itself: groups are one level deep.",
            field="group_id",
        )
    if term is not None and _members(term):
        raise ValidationFailed(
            f"{term.label} is a group itself: groups are one level deep.", field="group_id"
        )
    if not target.active:
        raise ValidationFailed(f"{target.label} is retired.", field="group_id")
    return target.id


def _members(term: TaxonomyTerm) -> list[TaxonomyTerm]:
    return list(db.session.scalars(sa.select(TaxonomyTerm).where(TaxonomyTerm.group_id == term.id)))


class _KindRef:
    """Lets a kind (keyed by name, not id) be audited like any entity."""

    __tablename__ = "taxonomy_kinds"

    def __init__(self, kind: TaxonomyKind) -> None:
        self.key = kind.key
        self.id = None


def _refuse_label_only(term: TaxonomyTerm, what: str, field: str) -> None:
    if term.kind in LABEL_ONLY_KINDS:
        raise ValidationFailed(
            f"Regions and seniorities are fixed: rename or reorder them, but don't {what} them.",
            field=field,
        )


def _place(term: TaxonomyTerm, index: int) -> None:
    """Put `term` at 1-based `index` in its kind's order (clamped), numbering all 1..n."""
    others = [t for t in terms(term.kind) if t.id != term.id]
    index = max(1, min(index, len(others) + 1))
    others.insert(index - 1, term)
    for n, each in enumerate(others, start=1):
        each.position = n


def _index(term: TaxonomyTerm) -> int:
    return [t.id for t in terms(term.kind)].index(term.id) + 1


def move_term(actor, term: TaxonomyTerm, direction: str) -> None:
    """One step up or down in its kind's order (forms and lists show terms in that order)."""
    _require_admin(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move a term up or down.", field="direction")
    before = _index(term)
    _place(term, before + (-1 if direction == "up" else 1))
    db.session.flush()
    after = _index(term)
    if after != before:
        _forget_labels()
        audit.record(
            actor, "taxonomy.term_moved", term, {"kind": term.kind, "position": [before, after]}
        )


TERM_FIELDS = ("label", "position", "active", "group_id")


def update_term(actor, term: TaxonomyTerm, data: dict) -> dict:
    """Rename (the stored value stays), reorder, retire or restore, and group one term;
    {field: [old, new]}. Nothing is written when one field is wrong."""
    _require_admin(actor)
    c = Checker(data, allowed=TERM_FIELDS, partial=True)
    c.text("label", max_length=LABEL_MAX, required=True)
    c.integer("position", minimum=1, maximum=100_000, required=True)
    c.plain("label")
    if "active" in c.data:
        if isinstance(c.data["active"], bool):
            c.clean["active"] = c.data["active"]
        else:
            c.error("active", "Must be true or false.")
    if "group_id" in c.data:
        group = c.data["group_id"]
        if group is None or group == "":
            c.clean["group_id"] = None
        elif isinstance(group, bool) or not isinstance(group, int):
            c.error("group_id", "Must be the id of a term, or null.")
        else:
            c.clean["group_id"] = group
    clean = c.done()
    if "active" in clean and clean["active"] != term.active:
        _refuse_label_only(term, "retire", "active")
        if clean["active"] and term.merged_into_id is not None:
            raise ValidationFailed(
                "This term was merged into another: its records moved there.", field="active"
            )
    if clean.get("group_id") is not None:
        _check_group(term.kind, term, clean["group_id"])
    elif "group_id" in clean and term.group_id is not None:
        _refuse_label_only(term, "group", "group_id")
    changed: dict[str, list] = {}
    if "position" in clean:
        before = _index(term)
        _place(term, clean["position"])
        if _index(term) != before:
            changed["position"] = [before, _index(term)]
    plain = {k: v for k, v in clean.items() if k in ("label", "active", "group_id")}
    changed.update(audit.changes(term, plain))
    db.session.flush()
    if changed:
        _forget_labels()
        action = "taxonomy.term_changed"
        if set(changed) == {"active"}:
            action = "taxonomy.term_restored" if term.active else "taxonomy.term_retired"
        audit.record(actor, action, term, {"kind": term.kind, "value": term.value, **changed})
    return changed


def rename_term(actor, term: TaxonomyTerm, label: str) -> dict:
    return update_term(actor, term, {"label": label})


def set_term_active(actor, term: TaxonomyTerm, active: bool) -> dict:
    """Retire (not offered on forms, still shown on old records) or restore a term."""
    return update_term(actor, term, {"active": active})


def set_term_group(actor, term: TaxonomyTerm, group_id: int | None) -> dict:
    return update_term(actor, term, {"group_id": group_id})


def update_kind(actor, key: str, data: dict) -> dict:
    """Rename a kind or move it in the menu of kinds; {field: [old, new]}."""
    _require_admin(actor)
    kind = get_kind(key)
    c = Checker(data, allowed=("label", "position"), partial=True)
    c.text("label", max_length=LABEL_MAX, required=True)
    c.integer("position", minimum=1, maximum=1000, required=True)
    c.plain("label")
    changed = audit.changes(kind, c.done())
    if changed:
        db.session.flush()
        audit.record(actor, "taxonomy.kind_changed", _KindRef(kind), {"key": key, **changed})
    return changed


def group_members(kinds) -> dict[tuple[str, str], list[str]]:
    """{(kind, group value): [member values]} for the given kinds: only terms with members
    are groups. One statement."""
    member = aliased(TaxonomyTerm)
    rows = db.session.execute(
        sa.select(TaxonomyTerm.kind, TaxonomyTerm.value, member.value)
        .join(member, member.group_id == TaxonomyTerm.id)
        .where(TaxonomyTerm.kind.in_(sorted(kinds)))
        .order_by(member.position, member.id)
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for kind, group, value in rows:
        groups.setdefault((kind, group), []).append(value)
    return groups


def expand_groups(terms: dict[str, list[str]]) -> dict[str, list[str]]:
    """{kind: values} with every group read as itself and its members (advocates and accounts
    hold concrete terms: a requested group matches any of them)."""
    if not terms:
        return terms
    groups = group_members(terms)
    expanded = {}
    for kind, values in terms.items():
        each = [v for value in values for v in (value, *groups.get((kind, value), []))]
        expanded[kind] = list(dict.fromkeys(each))
    return expanded


def fixed_labels() -> dict[str, dict]:
    """Region and seniority labels and order as the administrators set them, read once per
    request: {kind: {value: label}} in position order."""
    if not has_app_context():
        return {}
    if _LABELS in g:
        return g.get(_LABELS)
    labels: dict[str, dict] = {kind: {} for kind in LABEL_ONLY_KINDS}
    with db.session.no_autoflush:
        rows = db.session.execute(
            sa.select(TaxonomyTerm.kind, TaxonomyTerm.value, TaxonomyTerm.label)
            .where(TaxonomyTerm.kind.in_(LABEL_ONLY_KINDS))
            .order_by(TaxonomyTerm.position, TaxonomyTerm.id)
        )
        for kind, value, text in rows:
            labels[kind][value] = text
    setattr(g, _LABELS, labels)
    return labels


def _forget_labels() -> None:
    if has_app_context():
        g.pop(_LABELS, None)


def check_admin(actor) -> None:
    """Forbidden unless `actor` may change the taxonomy (the API's reads check it too)."""
    _require_admin(actor)
