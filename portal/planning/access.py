"""Who may see and change the plan, and the team a planner plans for by default."""

from __future__ import annotations

from portal.auth.permissions import can, demand
from portal.planning.models import PlannedNeed


def may_view(actor) -> bool:
    return can(actor, "planning.view")


def may_plan(actor) -> bool:
    return can(actor, "planning.edit")


def is_program(actor) -> bool:
    return can(actor, "program.manage")


def may_edit(actor, need: PlannedNeed) -> bool:
    """The program team edits every need; requesters and CSMs the needs they own or created."""
    if not may_plan(actor):
        return False
    return is_program(actor) or actor.id in (need.owner_id, need.created_by_id)


def viewer_only(actor) -> None:
    demand(actor, "planning.view", "You can't see the plan.")


def planner_only(actor) -> None:
    demand(actor, "planning.edit", "You can't change the plan.")


def program_only(actor) -> None:
    demand(actor, "program.manage", "Only the program team manages initiatives.")


def team_of(user) -> str | None:
    """The planning team a user plans for by default: theirs, customer success, or program."""
    if user is None:
        return None
    if can(user, "program.manage"):
        return "program"
    if user.role == "csm":
        return "csm"
    return user.team
