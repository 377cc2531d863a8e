"""Who sees what of the work in progress: the accounts a person works with, and whether they
read an advocate's name.

Who sees which accounts (`visible_accounts`): the program team and executives all of them; a
requester or CSM the accounts behind the requests and deals of anyone on their team
(`User.team`: the accounts of the advocates asked for those requests, of activities shared with
them, and of the deals the requests support or the team owns in the CRM), and a CSM also the
accounts they look after (`Account.csm_id`). Without a team, a person's own requests and deals.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.opportunities.models import Opportunity
from portal.work.models import AskShare


def check_viewer(viewer) -> None:
    demand(viewer, "work.view", "Work in progress is for the staff of the program.")


def sees_everything(viewer) -> bool:
    """The program team and executives see every account (and may filter by team)."""
    return can(viewer, "work.all")


def _team_members(viewer) -> sa.Select:
    condition = User.id == viewer.id
    if viewer.team:
        condition = sa.or_(condition, User.team == viewer.team)
    return sa.select(User.id).where(condition).correlate(None)


def _team_emails(viewer) -> sa.Select:
    condition = User.id == viewer.id
    if viewer.team:
        condition = sa.or_(condition, User.team == viewer.team)
    return sa.select(sa.func.lower(User.email)).where(condition).correlate(None)


def visible_accounts(viewer) -> sa.Select | None:
    """SQL: the ids of the accounts `viewer` works with; None for all (program, executive)."""
    if sees_everything(viewer):
        return None
    members = _team_members(viewer)
    team_request = sa.and_(
        ReferenceRequest.requester_id.in_(members), ReferenceRequest.status != "draft"
    )
    arms = [
        sa.select(Advocate.account_id.label("account_id"))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .where(team_request),
        sa.select(Advocate.account_id.label("account_id"))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .join(AskShare, AskShare.ask_id == Ask.id)
        .join(ReferenceRequest, ReferenceRequest.id == AskShare.request_id)
        .where(team_request),
        sa.select(Opportunity.account_id.label("account_id"))
        .join(ReferenceRequest, ReferenceRequest.opportunity_id == Opportunity.id)
        .where(team_request, Opportunity.account_id.is_not(None)),
        sa.select(Opportunity.account_id.label("account_id")).where(
            Opportunity.account_id.is_not(None),
            sa.func.lower(Opportunity.owner_email).in_(_team_emails(viewer)),
        ),
    ]
    if viewer.role == "csm":
        arms.append(sa.select(Account.id.label("account_id")).where(Account.csm_id == viewer.id))
    # Nothing correlates with the statement this is used in (it joins the same tables).
    union = sa.union(*(arm.correlate(None) for arm in arms)).subquery()
    return sa.select(union.c.account_id).correlate(None)


def names_advocate(viewer, ask: Ask) -> bool:
    """Whether `viewer` may read the advocate's name on this ask (never contact details)."""
    if can(viewer, "program.manage"):
        return True
    if ask.request.requester_id == viewer.id:  # as can_see_ask: their own request's asks
        return True
    return viewer.role == "csm" and ask.advocate.account.csm_id == viewer.id


def advocate_shown(viewer, ask: Ask) -> str:
    if names_advocate(viewer, ask):
        return ask.advocate.name
    return f"an advocate at {ask.advocate.account.name}"
