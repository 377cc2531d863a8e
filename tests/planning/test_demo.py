"""The demo program shows a quarter's plan: a launch and needs of four teams."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.auth.models import User
from portal.planning import gap, months
from portal.planning.models import Initiative, PlannedNeed


def test_the_demo_seeds_a_launch_and_a_quarters_needs(app, db, runner):
    result = runner.invoke(args=["seed-demo", "--advocates", "30"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count(Initiative.id))) == 1
    needs = db.session.scalars(sa.select(PlannedNeed)).all()
    assert len(needs) == 7
    assert {n.owner_team for n in needs} == {"sales", "pr", "csm", "program"}
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@demo.example"))
    start, end = months.default_range(dt.date.today())
    plan = gap.plan_gap(manager, {}, start, end)
    assert len(plan.rows) == 7
    assert plan.total.demand == sum(n.count_needed for n in needs)
