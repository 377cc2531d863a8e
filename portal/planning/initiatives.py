"""Initiatives (a launch, a new segment, a partner channel) the plan's needs can belong to,
and the program targets a need may serve."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit import service as audit
from portal.errors import get_or_not_found
from portal.extensions import db
from portal.planning.access import program_only, viewer_only
from portal.planning.models import INITIATIVE_KINDS, Initiative, PlannedNeed
from portal.recruiting.models import Target
from portal.validation import Checker

INITIATIVE_FIELDS = ("kind", "name", "description", "starts_on", "ends_on")


def initiatives() -> list[Initiative]:
    return list(
        db.session.scalars(
            sa.select(Initiative).order_by(
                Initiative.starts_on.is_(None), Initiative.starts_on, Initiative.name
            )
        )
    )


def get_initiative(actor, initiative_id: int) -> Initiative:
    viewer_only(actor)
    return get_or_not_found(Initiative, initiative_id, "No such initiative.")


def _check_initiative(data: dict) -> dict:
    c = Checker(data, allowed=INITIATIVE_FIELDS)
    c.choice("kind", INITIATIVE_KINDS, required=True)
    c.text("name", max_length=200, required=True)
    c.text("description", max_length=5000)
    c.date("starts_on")
    c.date("ends_on")
    c.plain("name", "description")
    starts, ends = c.clean.get("starts_on"), c.clean.get("ends_on")
    if starts and ends and ends < starts:
        c.error("ends_on", "Must not be before the start.")
    return c.done()


def create_initiative(actor, data: dict) -> Initiative:
    """A launch, a new segment or a partner channel the plan's needs can belong to."""
    program_only(actor)
    clean = _check_initiative(data)
    initiative = Initiative(**clean, created_by_id=actor.id)
    db.session.add(initiative)
    audit.record(actor, "initiative.created", initiative, clean)
    return initiative


def update_initiative(actor, initiative: Initiative, data: dict) -> Initiative:
    program_only(actor)
    clean = _check_initiative(data)
    changed = audit.changes(initiative, clean)
    if changed:
        audit.record(actor, "initiative.updated", initiative, changed)
    return initiative


def delete_initiative(actor, initiative: Initiative) -> None:
    """Remove an initiative; its needs stay in the plan, without it."""
    program_only(actor)
    audit.record(actor, "initiative.deleted", initiative, {"name": initiative.name})
    db.session.execute(
        sa.update(PlannedNeed)
        .where(PlannedNeed.initiative_id == initiative.id)
        .values(initiative_id=None)
    )
    db.session.delete(initiative)


def needs_per_initiative() -> dict[int, int]:
    """{initiative id: planned needs}: one query."""
    return dict(
        db.session.execute(
            sa.select(PlannedNeed.initiative_id, sa.func.count(PlannedNeed.id))
            .where(PlannedNeed.initiative_id.is_not(None))
            .group_by(PlannedNeed.initiative_id)
        ).all()
    )


def targets() -> list[Target]:
    """The program targets a need may serve, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Target).order_by(Target.due_on.is_(None), Target.due_on, Target.id)
        )
    )
