"""The demo's in-app notifications: each demo login's latest news in the bell."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.vocab import label


def seed_demo_notifications(limit: int = 5) -> int:
    """Demo data: each demo login's latest news in the bell (pending asks for advocates,
    answers for requesters), the older half already read. Returns how many were written."""
    written = 0
    users = db.session.scalars(
        sa.select(User).where(User.email.like("%@demo.example")).order_by(User.id)
    ).all()
    for user in users:
        if user.role == "advocate":
            query = (
                sa.select(Ask)
                .join(Ask.advocate)
                .where(Advocate.user_id == user.id, Ask.status == "pending")
            )
            order = Ask.asked_at
        else:
            query = (
                sa.select(Ask)
                .join(Ask.request)
                .where(
                    ReferenceRequest.requester_id == user.id,
                    Ask.status.in_(("accepted", "declined")),
                    Ask.responded_at.is_not(None),
                )
            )
            order = Ask.responded_at
        found = db.session.scalars(query.order_by(order.desc(), Ask.id.desc()).limit(limit)).all()
        for number, ask in enumerate(found):
            activity = label(ask.request.activity_type).lower()
            if user.role == "advocate":
                title, event_type = f"Could you help with a {activity}?", "ask_placed"
                link, at = f"/me/asks/{ask.id}", ask.asked_at
            else:
                title = f"{ask.advocate.name} {ask.status} your {activity} request"
                event_type, link, at = (
                    "ask_answered",
                    f"/requests/{ask.request_id}",
                    ask.responded_at,
                )
            db.session.add(
                Notification(
                    user_id=user.id,
                    event_type=event_type,
                    title=title,
                    link=link,
                    created_at=at,
                    read_at=at if number >= 2 else None,
                )
            )
            written += 1
    db.session.flush()
    return written
