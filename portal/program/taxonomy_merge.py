"""Merging taxonomy terms: every record holding the old term's value takes the new one (the
portal's own tables, request criteria, and what other modules store through MERGE_HANDLERS)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.database import parse_id
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.program.models import TaxonomyTerm
from portal.program.taxonomy import (
    CRITERIA,
    STORED,
    _forget_labels,
    _members,
    _refuse_label_only,
    check_admin,
    get_kind,
    get_term,
)

# Called by merge_terms(kind, old_value, new_value) in its transaction, after the portal's
# own tables moved: each moves the values other modules store (custom fields) and returns
# how many rows it changed.
MERGE_HANDLERS: list[Callable[[str, str, str], int]] = []


def _move_list(values, old: str, new: str) -> list[str]:
    return list(dict.fromkeys(new if v == old else v for v in values or []))


def _holding(model, attribute: str, many: bool, old: str):
    """The rows of `model` whose `attribute` holds `old` (a list is prefiltered in SQL)."""
    column = getattr(model, attribute)
    if many:
        condition = sa.cast(column, sa.Text).contains(f'"{old}"', autoescape=True)
    else:
        condition = column == old
    rows = db.session.scalars(sa.select(model).where(condition).order_by(model.id))
    if not many:
        return list(rows)
    return [row for row in rows if old in (getattr(row, attribute) or [])]


def merge_terms(actor, kind: str, term_id, into_id) -> dict[str, int]:
    """Merge one term into another of the same kind: every account, advocate, request, content
    asset and target (and what MERGE_HANDLERS move) holding the old value takes the new one,
    lists without repeats; the old term is retired and names the new one. {table: rows}."""
    check_admin(actor)
    get_kind(kind)
    term = get_term(kind, term_id)
    if isinstance(into_id, str):
        into_id = parse_id(into_id)
    if isinstance(into_id, bool) or not isinstance(into_id, int):
        raise ValidationFailed("Pick the term to merge into.", field="into")
    into = db.session.get(TaxonomyTerm, into_id)
    if into is None:
        raise ValidationFailed("No such term to merge into.", field="into")
    if into.kind != term.kind:
        raise ValidationFailed("Terms merge only within one taxonomy.", field="into")
    if into.id == term.id:
        raise ValidationFailed("A term can't be merged into itself.", field="into")
    _refuse_label_only(term, "merge", "term")
    if not into.active:
        raise ValidationFailed(f"{into.label} is retired: restore it first.", field="into")
    if term.merged_into_id is not None:
        raise ValidationFailed("This term was merged already.", field="term")
    members = [m for m in _members(term) if m.id != into.id]
    if members and into.group_id not in (None, term.id):
        raise ValidationFailed(
            f"{term.label} is a group and {into.label} belongs to a group: groups are one "
            "level deep.",
            field="into",
        )
    old, new = term.value, into.value
    counts: dict[str, int] = {}
    for model, attributes in STORED.items():
        moved = set()
        for attribute, (stored_kind, many) in attributes.items():
            if stored_kind != kind:
                continue
            for row in _holding(model, attribute, many, old):
                current = getattr(row, attribute)
                setattr(row, attribute, _move_list(current, old, new) if many else new)
                moved.add(row.id)
        counts[model.__tablename__] = len(moved)
    moved_requests = 0
    keys = [key for key, criterion_kind in CRITERIA.items() if criterion_kind == kind]
    criteria = sa.cast(ReferenceRequest.criteria, sa.Text)
    for request in db.session.scalars(
        sa.select(ReferenceRequest)
        .where(criteria.contains(f'"{old}"', autoescape=True))
        .order_by(ReferenceRequest.id)
    ):
        stored = dict(request.criteria or {})
        if not any(old in (stored.get(key) or []) for key in keys):
            continue
        for key in keys:
            if old in (stored.get(key) or []):
                stored[key] = _move_list(stored[key], old, new)
        request.criteria = stored  # a new dict: the ORM sees the change (and facts follow)
        moved_requests += 1
    counts[ReferenceRequest.__tablename__] = moved_requests
    db.session.flush()
    other = 0
    for handler in MERGE_HANDLERS:
        other += handler(kind, old, new)
    counts["other"] = other
    if into.group_id == term.id:
        into.group_id = None
    for member in members:
        member.group_id = into.id
    term.active = False
    term.merged_into_id = into.id
    db.session.flush()
    _forget_labels()
    audit.record(
        actor,
        "taxonomy.merged",
        term,
        {"kind": kind, "from": old, "into": new, "into_id": into.id, "rows": counts},
    )
    return counts
