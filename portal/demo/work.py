"""The demo's shared work: one activity serving two teams' requests."""

from __future__ import annotations

import sqlalchemy as sa

from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.extensions import db
from portal.work.progress import OPEN_REQUESTS
from portal.work.sharing import share_ask


def seed_demo_work() -> int:
    """The demo's shared activity: the PR lead's open request joins another team's accepted
    activity, a case study if there is one (1 when linked, 0 when the demo has no such pair)."""
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@demo.example"))
    pr = db.session.scalar(sa.select(User).where(User.email == "pr@demo.example"))
    if manager is None or pr is None:
        return 0
    joined = db.session.scalar(
        sa.select(ReferenceRequest)
        .where(
            ReferenceRequest.requester_id == pr.id,
            ReferenceRequest.status.in_(OPEN_REQUESTS),
        )
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
        .limit(1)
    )
    interview = db.session.scalar(
        sa.select(Ask)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(User, User.id == ReferenceRequest.requester_id)
        .where(Ask.status == "accepted", User.team.is_not(None), User.team != "pr")
        .order_by(
            ReferenceRequest.activity_type != "case_study",
            Ask.scheduled_at.is_(None),
            Ask.scheduled_at,
            Ask.id,
        )
        .limit(1)
    )
    if joined is None or interview is None:
        return 0
    share_ask(manager, joined, interview, "PR joins the case-study interview to get quotes.")
    return 1
