"""Planned needs: what each team plans to ask for, by when, with which criteria."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only

from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import roles_holding
from portal.errors import Forbidden, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.filters import MAX_DATE, MIN_DATE
from portal.planning.access import (
    is_program,
    may_edit,
    may_plan,
    planner_only,
    team_of,
    viewer_only,
)
from portal.planning.models import PLANNING_TEAMS, Initiative, PlannedNeed
from portal.planning.months import next_month
from portal.program.service import taxonomy_values
from portal.recruiting.models import Target
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, label

# What a need asks for: the activity, how many, by when, and the criteria of whom.
DEMAND_FIELDS = (
    "activity_type",
    "count_needed",
    "needed_by",
    "industry",
    "segment",
    "region",
    "product",
)
NEED_FIELDS = (
    "initiative_id",
    "target_id",
    "title",
    *DEMAND_FIELDS,
    "owner_id",
    "owner_team",
    "notes",
)


def planners() -> list[User]:
    """Staff who may own a need, by name (the program team's owner choice)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .options(load_only(User.id, User.name, User.email, User.role, User.team))
            .where(User.role.in_(roles_holding("planning.edit")), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def _check_need(actor, data: dict, need: PlannedNeed | None = None) -> dict:
    partial = need is not None
    c = Checker(data, allowed=NEED_FIELDS, partial=partial)
    c.text("title", max_length=200, required=True)
    c.choice("activity_type", ACTIVITY_TYPES, required=True)
    c.integer("count_needed", minimum=1, maximum=10_000, required=True)
    c.date("needed_by", required=True)
    if c.clean.get("needed_by") and not MIN_DATE <= c.clean["needed_by"] <= MAX_DATE:
        c.error("needed_by", f"Use a date from {MIN_DATE.year} to {MAX_DATE.year}.")
    for kind in ("industry", "product"):
        held = {getattr(need, kind)} - {None} if need is not None else set()
        c.choice(kind, taxonomy_values(kind) | held)  # a retired value it holds may stay
    c.choice("segment", SEGMENTS)
    c.choice("region", REGIONS)
    c.choice("owner_team", PLANNING_TEAMS)
    c.text("notes", max_length=5000)
    c.plain("title", "notes")
    for name, model in (("initiative_id", Initiative), ("target_id", Target), ("owner_id", User)):
        c.integer(name, minimum=1, maximum=2**31 - 1)
        chosen = c.clean.get(name)
        if chosen is not None and db.session.get(model, chosen) is None:
            c.error(name, "No such " + name.removesuffix("_id") + ".")
    owner_id = c.clean.get("owner_id")
    if owner_id is not None and "owner_id" not in c.errors:
        owner = db.session.get(User, owner_id)
        if not may_plan(owner):
            c.error("owner_id", "The owner must be a member of staff.")
        elif not is_program(actor) and owner_id != actor.id:
            c.error("owner_id", "You plan needs you own; the program team may plan for others.")
    clean = c.done()
    if need is None and clean.get("owner_id") is None:
        clean["owner_id"] = actor.id
    if (need is None or "owner_team" in clean) and clean.get("owner_team") is None:
        # Left blank: the owner's own team.
        owner_id = clean.get("owner_id", need.owner_id if need else None) or actor.id
        clean["owner_team"] = team_of(db.session.get(User, owner_id))
        if clean["owner_team"] is None:
            message = "Choose the team this need is for."
            raise ValidationFailed(f"owner_team: {message}", fields={"owner_team": message})
    return clean


def create_need(actor, data: dict) -> PlannedNeed:
    """'Q1 launch of product X needs 5 banking reference calls by 1 March'."""
    planner_only(actor)
    clean = _check_need(actor, data)
    need = PlannedNeed(**clean, created_by_id=actor.id)
    db.session.add(need)
    audit.record(actor, "planned_need.created", need, clean)
    return need


def update_need(actor, need: PlannedNeed, data: dict) -> PlannedNeed:
    """Change the fields sent; the others stay."""
    if not may_edit(actor, need):
        raise Forbidden("Only its owner or the program team may change this need.")
    clean = _check_need(actor, data, need)
    changed = audit.changes(need, clean)
    if changed:
        audit.record(actor, "planned_need.updated", need, changed)
    return need


def delete_need(actor, need: PlannedNeed) -> None:
    if not may_edit(actor, need):
        raise Forbidden("Only its owner or the program team may remove this need.")
    audit.record(
        actor,
        "planned_need.deleted",
        need,
        {"title": need.title, "count_needed": need.count_needed, "needed_by": need.needed_by},
    )
    db.session.delete(need)


def get_need(actor, need_id: int) -> PlannedNeed:
    viewer_only(actor)
    return get_or_not_found(PlannedNeed, need_id, "No such planned need.")


def needs_query(actor, filters: dict) -> sa.Select:
    """The planned needs, by date: `team`, `initiative_id`, `owner_id`, and the months
    `start` to `end` (first days) when given."""
    viewer_only(actor)
    query = sa.select(PlannedNeed).options(
        joinedload(PlannedNeed.initiative),
        joinedload(PlannedNeed.owner).load_only(User.id, User.name, User.email),
        joinedload(PlannedNeed.target),
    )
    if filters.get("team"):
        query = query.where(PlannedNeed.owner_team == filters["team"])
    if filters.get("initiative_id"):
        query = query.where(PlannedNeed.initiative_id == filters["initiative_id"])
    if filters.get("owner_id"):
        query = query.where(PlannedNeed.owner_id == filters["owner_id"])
    if filters.get("start"):
        query = query.where(PlannedNeed.needed_by >= filters["start"])
    if filters.get("end"):
        query = query.where(PlannedNeed.needed_by < next_month(filters["end"]))
    return query.order_by(PlannedNeed.needed_by, PlannedNeed.id)


def need_label(need: PlannedNeed) -> str:
    """'5 reference calls: banking, enterprise, EMEA'."""
    parts = [label(v) for v in (need.industry, need.product, need.segment, need.region) if v]
    what = label(need.activity_type).lower()
    return f"{need.count_needed} × {what}" + (f": {', '.join(parts)}" if parts else "")
