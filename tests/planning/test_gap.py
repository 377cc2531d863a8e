"""The planning gap against a hand-computed fixture: a small program in the first quarter of
2030 with known advocates, limits, blackouts, live asks and planned needs.

Program defaults: 2 asks a month, 4 a quarter, 12 a year.

Advocates (capacity per month, by hand, Jan / Feb / Mar 2030):
- Ann: banking, enterprise, EMEA; reference calls and case studies; default limits; one
  pending ask on 10 Jan (a declined one on 12 Jan and one from 2029 do not count).
  Jan min(2-1, 4-1, 12-1) = 1; Feb min(2, 3, 11) = 2; Mar 2.
- Bob: same account; reference calls; 3 a month, 3 a quarter; uses analytics; two accepted
  asks in February (a withdrawn one in January does not count).
  Jan min(3, 3-2, 12-2) = 1; Feb min(3-2, 1, 10) = 1; Mar min(3, 1, 10) = 1.
- Cat: insurance, mid-market, North America (account uses analytics); reference calls and
  press interviews; 1 a month; blackout 28 Jan to 2 Mar covers all of February.
  Jan 1; Feb 0; Mar 1.
- Fay: Ann's account; case studies only; paused until 31 Jan. Jan 0; Feb 2; Mar 2.
- Not supply: Dan (paused advocate), Eve (active, but her account is paused), Gus (opted
  into nothing).

Needs (demand / supply, who):
- N1 Jan, 5 banking reference calls, sales: 5 / Ann 1 + Bob 1 = 2: gap 3.
- N2 Mar, 2 banking enterprise case studies, PR: 2 / Ann 2 + Fay 2 = 4: surplus 2.
- N3 Feb, 1 analytics reference call, sales: 1 / Bob 1 + Cat 0 = 1: covered.
- N4 Feb, 2 press interviews in North America, PR: 2 / Cat 0 = 0: gap 2.
- N5 Feb, 1 EMEA reference call, AR: 1 / Ann 2 + Bob 1 = 3: surplus 2.
- N6 April: outside the quarter.

Per month, each advocate counted once: Jan 5 / 2 (gap 3); Feb 4 / Ann 2 + Bob 1 + Cat 0 = 3
(gap 1); Mar 2 / 4 (surplus 2). The quarter: 11 / 9, gap 3 + 1 = 4, surplus 2.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate, Blackout
from portal.extensions import db as _db
from portal.planning import gap
from portal.planning.models import PlannedNeed
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, UserFactory
from tests.queries import BoundValues, QueryCounter

JAN, FEB, MAR = dt.date(2030, 1, 1), dt.date(2030, 2, 1), dt.date(2030, 3, 1)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)


@pytest.fixture
def program(db):
    bank = AccountFactory(industry="banking", segment="enterprise", region="emea")
    insurer = AccountFactory(
        industry="insurance", segment="mid_market", region="na", products=["analytics"]
    )
    paused_account = AccountFactory(industry="banking", status="paused")
    kinds = ["reference_call", "case_study"]
    ann = AdvocateFactory(account=bank, activity_types=kinds, products=[])
    bob = AdvocateFactory(
        account=bank,
        activity_types=["reference_call"],
        products=["analytics"],
        max_per_month=3,
        max_per_quarter=3,
    )
    cat = AdvocateFactory(
        account=insurer,
        activity_types=["reference_call", "press_interview"],
        products=[],
        max_per_month=1,
    )
    AdvocateFactory(  # Fay
        account=bank, activity_types=["case_study"], products=[], paused_until=dt.date(2030, 1, 31)
    )
    AdvocateFactory(account=bank, status="paused", activity_types=kinds)  # Dan
    AdvocateFactory(account=paused_account, activity_types=kinds)  # Eve
    AdvocateFactory(account=insurer, activity_types=[])  # Gus
    AskFactory(advocate=ann, status="pending", asked_at=_at("2030-01-10"))
    AskFactory(advocate=ann, status="declined", asked_at=_at("2030-01-12"))
    AskFactory(advocate=ann, status="completed", asked_at=_at("2029-12-20"))
    AskFactory(advocate=bob, status="accepted", asked_at=_at("2030-02-03"))
    AskFactory(advocate=bob, status="accepted", asked_at=_at("2030-02-20"))
    AskFactory(advocate=bob, status="withdrawn", asked_at=_at("2030-01-05"))
    db.session.add(
        Blackout(advocate=cat, start=dt.date(2030, 1, 28), end=dt.date(2030, 3, 2), reason="Leave")
    )
    sales = UserFactory(role="requester", team="sales")
    pr = UserFactory(role="requester", team="pr")
    ar = UserFactory(role="requester", team="ar")

    def need(title, owner, activity, count, by, **criteria):
        row = PlannedNeed(
            title=title,
            activity_type=activity,
            count_needed=count,
            needed_by=dt.date.fromisoformat(by),
            owner_id=owner.id,
            owner_team=owner.team,
            **criteria,
        )
        db.session.add(row)
        return row

    needs = {
        "n1": need("Launch calls", sales, "reference_call", 5, "2030-01-20", industry="banking"),
        "n2": need(
            "Launch stories",
            pr,
            "case_study",
            2,
            "2030-03-01",
            industry="banking",
            segment="enterprise",
        ),
        "n3": need("Analytics call", sales, "reference_call", 1, "2030-02-15", product="analytics"),
        "n4": need("Press", pr, "press_interview", 2, "2030-02-10", region="na"),
        "n5": need("EMEA call", ar, "reference_call", 1, "2030-02-28", region="emea"),
        "n6": need("Later", sales, "reference_call", 9, "2030-04-05"),
    }
    db.session.commit()
    ids = {k: v.id for k, v in needs.items()}
    return {"viewer": UserFactory(role="executive"), "ann": ann.id, **ids}


def _plan(program, **filters):
    return gap.plan_gap(program["viewer"], filters, JAN, MAR)


def _f(figures) -> tuple[int, int, int, int]:
    return figures.demand, figures.supply, figures.gap, figures.surplus


def test_each_need_has_its_hand_computed_supply_and_gap(program):
    plan = _plan(program)
    rows = {row.need.id: row for row in plan.rows}
    assert set(rows) == {program[k] for k in ("n1", "n2", "n3", "n4", "n5")}  # not April's
    expected = {
        "n1": (JAN, (5, 2, 3, 0), 2),
        "n2": (MAR, (2, 4, 0, 2), 2),
        "n3": (FEB, (1, 1, 0, 0), 1),
        "n4": (FEB, (2, 0, 2, 0), 0),
        "n5": (FEB, (1, 3, 0, 2), 2),
    }
    for key, (month, figures, advocates) in expected.items():
        row = rows[program[key]]
        assert (row.month, _f(row.figures), row.advocates) == (month, figures, advocates), key


def test_each_month_counts_an_advocate_once(program):
    plan = _plan(program)
    assert plan.months == [JAN, FEB, MAR]
    assert _f(plan.by_month[JAN]) == (5, 2, 3, 0)
    assert _f(plan.by_month[FEB]) == (4, 3, 1, 0)
    assert _f(plan.by_month[MAR]) == (2, 4, 0, 2)
    # A spare March never covers January: the quarter's gap is the months' gaps summed.
    assert _f(plan.total) == (11, 9, 4, 2)


def _dimension(plan, name):
    return {
        row.value: ({m: _f(f) for m, f in row.months.items()}, _f(row.total))
        for row in plan.by_dimension[name]
    }


NONE = (0, 0, 0, 0)


def test_the_gap_per_activity_type_segment_industry_and_product(program):
    plan = _plan(program)
    assert _dimension(plan, "activity_type") == {
        "case_study": ({JAN: NONE, FEB: NONE, MAR: (2, 4, 0, 2)}, (2, 4, 0, 2)),
        "press_interview": ({JAN: NONE, FEB: (2, 0, 2, 0), MAR: NONE}, (2, 0, 2, 0)),
        # February: N3 and N5 share Bob, counted once: Ann 2 + Bob 1 + Cat 0.
        "reference_call": ({JAN: (5, 2, 3, 0), FEB: (2, 3, 0, 1), MAR: NONE}, (7, 5, 3, 1)),
    }
    assert _dimension(plan, "segment") == {
        "enterprise": ({JAN: NONE, FEB: NONE, MAR: (2, 4, 0, 2)}, (2, 4, 0, 2)),
        None: ({JAN: (5, 2, 3, 0), FEB: (4, 3, 1, 0), MAR: NONE}, (9, 5, 4, 0)),
    }
    assert _dimension(plan, "industry") == {
        "banking": ({JAN: (5, 2, 3, 0), FEB: NONE, MAR: (2, 4, 0, 2)}, (7, 6, 3, 2)),
        None: ({JAN: NONE, FEB: (4, 3, 1, 0), MAR: NONE}, (4, 3, 1, 0)),
    }
    assert _dimension(plan, "product") == {
        "analytics": ({JAN: NONE, FEB: (1, 1, 0, 0), MAR: NONE}, (1, 1, 0, 0)),
        # February: N4 (Cat 0) and N5 (Ann 2, Bob 1).
        None: ({JAN: (5, 2, 3, 0), FEB: (3, 3, 0, 0), MAR: (2, 4, 0, 2)}, (10, 9, 3, 2)),
    }
    assert [row.value for row in plan.by_dimension["segment"]] == ["enterprise", None]


def test_filters_by_team_and_months(program):
    plan = _plan(program, team="pr")
    assert {row.need.id for row in plan.rows} == {program["n2"], program["n4"]}
    assert _f(plan.by_month[FEB]) == (2, 0, 2, 0)
    assert _f(plan.total) == (4, 4, 2, 2)
    february = gap.plan_gap(program["viewer"], {}, FEB, FEB)
    assert february.months == [FEB]
    assert _f(february.total) == (4, 3, 1, 0)


def test_a_new_live_ask_lowers_supply_and_a_declined_one_does_not(program, db):
    ann = _db.session.get(Advocate, program["ann"])
    AskFactory(advocate=ann, status="declined", asked_at=_at("2030-02-05"))
    db.session.commit()
    assert _f(_plan(program).by_month[FEB]) == (4, 3, 1, 0)
    AskFactory(advocate=ann, status="pending", asked_at=_at("2030-02-05"))
    db.session.commit()
    # Ann's February: min(2-1, 4-2, 12-2) = 1, so February has Ann 1 + Bob 1 + Cat 0.
    assert _f(_plan(program).by_month[FEB]) == (4, 2, 2, 0)


def test_the_gap_reads_a_fixed_number_of_statements(program, db):
    _db.session.expire_all()
    with QueryCounter(_db.engine) as few:
        _plan(program)
    for n in range(10):
        AdvocateFactory(activity_types=["reference_call"])
        _db.session.add(
            PlannedNeed(
                title=f"More {n}",
                activity_type="reference_call",
                count_needed=1,
                needed_by=dt.date(2030, 2, 1 + n),
                owner_team="sales",
            )
        )
    db.session.commit()
    _db.session.expire_all()
    with QueryCounter(_db.engine) as many:
        _plan(program)
    assert len(many.reads) == len(few.reads)


def test_the_gap_binds_no_parameter_per_advocate(program, db):
    """PostgreSQL refuses a statement with more than 65,535 bound values: a plan that sent the
    ids of its candidate advocates failed once a program had that many. The statements bind as
    many values with forty more candidates as before."""

    def bound() -> int:
        _db.session.expire_all()
        with BoundValues(_db.engine) as values:
            _plan(program)
        return sum(values.sizes)

    before = bound()
    bank = AccountFactory(industry="banking", segment="enterprise", region="emea")
    for _ in range(40):
        AdvocateFactory(account=bank, activity_types=["reference_call", "case_study"])
    db.session.commit()
    assert bound() == before


def _by_hand(viewer, start, end) -> dict:
    """The supply rule of portal.planning.gap read literally, advocate by advocate and month by
    month, with no SQL beyond loading the rows: what the plan must agree with."""
    from portal.advocates.models import Advocate as A
    from portal.asks.models import Ask
    from portal.planning.months import month_of, month_range, next_month
    from portal.program.service import get_setting

    months = month_range(start, end)
    defaults = [get_setting(f"default_max_per_{p}") for p in ("month", "quarter", "year")]
    needs = [
        n
        for n in _db.session.scalars(sa.select(PlannedNeed).order_by(PlannedNeed.id))
        if month_of(n.needed_by) in months
    ]
    live = [
        (a.advocate_id, a.asked_at.date())
        for a in _db.session.scalars(sa.select(Ask))
        if a.status in ("pending", "accepted", "completed")
    ]

    def used(advocate_id, first, after):
        return sum(1 for who, day in live if who == advocate_id and first <= day < after)

    def room(advocate, month):
        last = next_month(month) - dt.timedelta(days=1)
        if advocate.paused_until and advocate.paused_until >= last:
            return 0
        if any(b.start <= month and b.end >= last for b in advocate.blackouts):
            return 0
        quarter = month.replace(month=month.month - (month.month - 1) % 3)
        spans = [
            (month, next_month(month)),
            (quarter, next_month(next_month(next_month(quarter)))),
            (month.replace(month=1), dt.date(month.year + 1, 1, 1)),
        ]
        own = (advocate.max_per_month, advocate.max_per_quarter, advocate.max_per_year)
        left = [
            (d if o is None else o) - used(advocate.id, a, b)
            for o, d, (a, b) in zip(own, defaults, spans, strict=True)
        ]
        return max(min(left), 0)

    def able(advocate, need):
        account = advocate.account
        return (
            advocate.status == "active"
            and account.status == "active"
            and need.activity_type in (advocate.activity_types or [])
            and (not need.industry or account.industry == need.industry)
            and (not need.segment or account.segment == need.segment)
            and (not need.region or account.region == need.region)
            and (
                not need.product
                or need.product in set(advocate.products or []) | set(account.products or [])
            )
        )

    advocates = list(_db.session.scalars(sa.select(A)))
    rooms = {(a.id, m): room(a, m) for a in advocates for m in months}
    per_need = {
        n.id: sum(rooms[a.id, month_of(n.needed_by)] for a in advocates if able(a, n))
        for n in needs
    }
    per_month = {
        m: sum(
            rooms[a.id, m]
            for a in advocates
            if any(able(a, n) for n in needs if month_of(n.needed_by) == m)
        )
        for m in months
    }
    return {"needs": per_need, "months": per_month}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_plan_agrees_with_the_rule_read_literally_on_a_random_program(db, seed):
    """Random advocates (limits, pauses, blackouts, live and dead asks over two years),
    accounts and needs: every need's and every month's supply is the literal rule's."""
    rng = random.Random(seed)
    statuses = ["pending", "accepted", "completed", "declined", "withdrawn", "expired"]
    kinds = ["reference_call", "case_study", "press_interview"]
    accounts = [
        AccountFactory(
            industry=rng.choice(["banking", "insurance"]),
            segment=rng.choice(["enterprise", "mid_market"]),
            region=rng.choice(["emea", "na"]),
            products=rng.sample(["analytics", "payments"], k=rng.randint(0, 2)),
            status=rng.choice(["active"] * 5 + ["paused"]),
        )
        for _ in range(6)
    ]
    for _ in range(40):
        advocate = AdvocateFactory(
            account=rng.choice(accounts),
            status=rng.choice(["active"] * 6 + ["paused"]),
            activity_types=rng.sample(kinds, k=rng.randint(0, 3)),
            products=rng.sample(["analytics", "payments"], k=rng.randint(0, 1)),
            max_per_month=rng.choice([None, None, 1, 3]),
            max_per_quarter=rng.choice([None, 2, 5]),
            max_per_year=rng.choice([None, 4, 20]),
            paused_until=rng.choice([None] * 6 + [dt.date(2030, 1, 31), dt.date(2030, 2, 10)]),
        )
        for _ in range(rng.randint(0, 6)):
            day = dt.date(2029, 10, 1) + dt.timedelta(days=rng.randint(0, 200))
            AskFactory(advocate=advocate, status=rng.choice(statuses), asked_at=_at(str(day)))
        if rng.random() < 0.3:
            begin = dt.date(2029, 12, 20) + dt.timedelta(days=rng.randint(0, 60))
            _db.session.add(
                Blackout(
                    advocate=advocate,
                    start=begin,
                    end=begin + dt.timedelta(days=rng.randint(5, 45)),
                    reason="Away",
                )
            )
    owner = UserFactory(role="requester", team="sales")
    for n in range(12):
        criteria = {
            name: rng.choice(values)
            for name, values in (
                ("industry", ["banking", "insurance"]),
                ("segment", ["enterprise", "mid_market"]),
                ("region", ["emea", "na"]),
                ("product", ["analytics", "payments"]),
            )
            if rng.random() < 0.35
        }
        _db.session.add(
            PlannedNeed(
                title=f"Need {n}",
                activity_type=rng.choice(kinds),
                count_needed=rng.randint(1, 6),
                needed_by=JAN + dt.timedelta(days=rng.randint(0, 88)),
                owner_id=owner.id,
                owner_team="sales",
                **criteria,
            )
        )
    db.session.commit()
    viewer = UserFactory(role="executive")
    plan = gap.plan_gap(viewer, {}, JAN, MAR)
    expected = _by_hand(viewer, JAN, MAR)
    assert {row.need.id: row.figures.supply for row in plan.rows} == expected["needs"]
    assert {m: f.supply for m, f in plan.by_month.items()} == expected["months"]
    assert sum(expected["months"].values()) > 0  # the program supplies something


def _supply_statement(program) -> tuple[str, object]:
    """The statement that sums the advocates' room in the plan's months, with its values."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(_db.engine, "before_cursor_execute", record)
    try:
        _plan(program)
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", record)
    return next((s, p) for s, p in seen if "room_0" in s)


def test_the_plan_reads_the_blackouts_once_for_all_its_months(program):
    """Not a lookup per advocate and month: at 100,000 advocates those took 80 ms."""
    statement, _ = _supply_statement(program)
    assert statement.count("FROM blackouts") == 1


def test_the_plan_reads_live_asks_from_an_index_never_the_asks_table(program, db):
    """The asks of the plan's window come from an index alone, never from reading the whole
    asks table (1,000,000 rows at 100,000 advocates): on PostgreSQL, the window of each live
    status from the index by status and date, counted before they meet the advocates, with
    room to sort and hash in memory; on SQLite, each chosen advocate's from the index by
    advocate. (PostgreSQL's planner picks its indexes for tables this small by other costs:
    at 100,000 advocates `bench/reports.py` shows the index-only scan.)"""
    assert "ix_asks_status_asked_at" in {
        i["name"] for i in sa.inspect(db.engine).get_indexes("asks")
    }
    statement, parameters = _supply_statement(program)
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        # The server's 4 MB sent the sorts and hashes of 100,000 advocates to disk.
        assert connection.exec_driver_sql("SHOW work_mem").scalar() == "32MB"
        return
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    plan = " | ".join(row[-1] for row in rows)
    assert "SEARCH asks USING COVERING INDEX ix_asks_advocate_status_asked_at" in plan, plan
    assert "SCAN asks" not in plan, plan


def test_the_plan_counts_no_asks_in_periods_that_begin_after_the_latest_live_ask(program):
    """January to March 2030, the latest live ask on 20 February: March holds none, so only
    January, February, the quarter and the year are counted (the months of a plan ahead cost
    nothing), and the figures stay those worked out by hand."""
    statement, _ = _supply_statement(program)
    assert statement.count("FILTER (WHERE") == 4
    assert _f(_plan(program).by_month[MAR]) == (2, 4, 0, 2)  # as worked out by hand above
