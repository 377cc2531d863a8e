"""Demo data of the advocate thanked: outcome sharing on, the demo advocate thanked for their
latest activity, and a won deal whose advocates heard what their help achieved."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.program.service import set_setting
from portal.thanks import service


def seed_demo_thanks() -> int:
    """Returns how many thanks were written (0 when the demo has no such data)."""
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.example"))
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@demo.example"))
    if admin is None or manager is None:
        return 0
    set_setting(admin, service.SHARE_SETTING, True)
    written = 0
    latest = db.session.scalar(
        sa.select(Ask)
        .join(Ask.advocate)
        .where(Advocate.email == "advocate@demo.example", Ask.status == "completed")
        .order_by(Ask.completed_at.desc(), Ask.id.desc())
        .limit(1)
    )
    if latest is not None and service.thank_for_ask(manager, latest) is not None:
        written += 1
    won = db.session.scalar(
        sa.select(Opportunity)
        .join(ReferenceRequest, ReferenceRequest.opportunity_id == Opportunity.id)
        .join(Ask, Ask.request_id == ReferenceRequest.id)
        .where(Opportunity.outcome == "won", Ask.status == "completed")
        .order_by(Opportunity.id)
        .limit(1)
    )
    if won is not None:
        written += service.set_deal_share(manager, won, True)
    db.session.flush()
    return written
