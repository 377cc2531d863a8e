"""Demo data for planning: a launch this quarter and the needs four teams planned for it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.planning import initiatives, months, needs
from portal.recruiting.models import Target

# (owner's e-mail, title, activity, how many, month from now, day, criteria, in the launch)
DEMO_NEEDS = (
    ("sales@demo.example", "Launch: banking reference calls", "reference_call", 5, 0, 25,
     {"industry": "banking", "product": "payments"}, True),
    ("pr@demo.example", "Launch: case studies for the press kit", "case_study", 2, 1, 10,
     {"industry": "banking", "segment": "enterprise"}, True),
    ("pr@demo.example", "Launch: press interviews", "press_interview", 3, 1, 20,
     {"region": "emea"}, True),
    ("manager@demo.example", "Analyst briefing before the wave", "analyst_briefing", 2, 2, 5,
     {"segment": "enterprise"}, False),
    ("sales@demo.example", "Insurance pipeline: reference calls", "reference_call", 4, 2, 15,
     {"industry": "insurance"}, False),
    ("csm@demo.example", "Customer webinar speakers", "webinar", 2, 2, 28,
     {"region": "na"}, False),
    ("manager@demo.example", "Launch: quotes for the website", "quote", 6, 0, 28,
     {"product": "payments"}, True),
)  # fmt: skip


def _day(today: dt.date, months_on: int, day: int) -> dt.date:
    month = months.month_of(today)
    for _ in range(months_on):
        month = months.next_month(month)
    return month.replace(day=min(day, 28))


def seed_demo_planning(today: dt.date | None = None) -> int:
    """A launch this quarter and seven planned needs of sales, PR, customer success and the
    program team (not committed); how many needs were written."""
    today = today or dt.date.today()
    users = {
        u.email: u
        for u in db.session.scalars(
            sa.select(User).where(User.email.in_({row[0] for row in DEMO_NEEDS}))
        )
    }
    manager = users.get("manager@demo.example")
    if manager is None:
        return 0
    launch = initiatives.create_initiative(
        manager,
        {
            "kind": "launch",
            "name": "Payments 2 launch",
            "description": "The next payments platform, launched to banks in EMEA first.",
            "starts_on": months.month_of(today),
            "ends_on": _day(today, 2, 28),
        },
    )
    target = db.session.scalars(sa.select(Target).order_by(Target.id)).first()
    written = 0
    for email, title, activity, count, months_on, day, criteria, in_launch in DEMO_NEEDS:
        owner = users.get(email)
        if owner is None:
            continue
        data = {
            "title": title,
            "activity_type": activity,
            "count_needed": count,
            "needed_by": _day(today, months_on, day),
            **criteria,
        }
        if in_launch:
            data["initiative_id"] = launch.id
        if target is not None and activity == "reference_call" and written == 0:
            data["target_id"] = target.id
        needs.create_need(owner, data)
        written += 1
    return written
