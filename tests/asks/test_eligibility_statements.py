"""One ask's flush refreshes its advocates' eligibility rows in a few statements, however much
the rows depend on (colleagues in other time zones, stored settings, blackouts, customer
success's word), and the rows are what counting and a full rebuild give."""

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Blackout
from portal.asks import eligibility, eligibility_counts, eligibility_row, overuse
from portal.asks.models import AdvocateEligibility, Ask
from portal.database import aware_utc
from portal.extensions import db as _db
from portal.program.service import set_setting
from portal.recruiting.models import Referenceability
from tests.factories import AccountFactory, AdvocateFactory, ReferenceRequestFactory, UserFactory

# Eligibility's share of one ask's flush: the settings, custom fields and terms (one union),
# the advocates with their account, verdict and blackouts, their asks counted, the upsert of
# the eligibility rows and the upsert of their narrow part that matching scans (MatchRow).
ELIGIBILITY_STATEMENTS = 5
# The whole flush: the ask's INSERT, the report facts' hook (up to 3), and eligibility's.
FLUSH_STATEMENTS = 1 + 3 + ELIGIBILITY_STATEMENTS
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def now():
    return dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def statements():
    found = []

    def count(conn, cursor, statement, parameters, context, executemany):
        found.append(" ".join(statement.split()))

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", count)


def of_facts(statement: str) -> bool:
    return "report_request_facts" in statement or (
        "FROM reference_requests" in statement and "FOR" in statement
    )


def ask(advocate, request, status="pending", asked_at=None, rating=None):
    asked_at = asked_at or now()
    return Ask(
        request=request,
        advocate=advocate,
        status=status,
        asked_at=asked_at,
        respond_by=asked_at + dt.timedelta(days=5),
        requester_rating=rating,
    )


@pytest.fixture
def account(db):
    """An account of five advocates in five time zones, asked before (live, declined, rated,
    last quarter, next month), with customer success's verdict, a blackout ahead and a
    setting stored (not the default)."""
    manager = UserFactory(role="manager")
    set_setting(manager, "default_max_per_year", 20)
    set_setting(manager, "account_min_nps", 10)
    account = AccountFactory()
    _db.session.add(
        Referenceability(account=account, status="referenceable", health="healthy", nps=60)
    )
    advocates = [AdvocateFactory(account=account, timezone=zone) for zone in ZONES]
    requests = [ReferenceRequestFactory() for _ in range(3)]  # one ask per request
    past = [
        ("completed", 20, 5),
        ("completed", 200, 3),
        ("declined", 40, None),
        ("accepted", 100, None),
        ("expired", 300, None),
        ("withdrawn", 10, None),
        ("pending", -35, None),  # placed for a day next month
    ]
    for n, advocate in enumerate(advocates):
        for request, (status, days_ago, rating) in zip(requests, past[n : n + 3], strict=True):
            _db.session.add(ask(advocate, request, status, now() - dt.timedelta(days_ago), rating))
    today = dt.date.today()
    advocates[1].blackouts.append(
        Blackout(start=today + dt.timedelta(days=9), end=today + dt.timedelta(days=12))
    )
    _db.session.commit()
    return account


def rows_of(advocate_ids) -> dict[int, dict]:
    table = AdvocateEligibility.__table__
    found = _db.session.execute(sa.select(table).where(table.c.advocate_id.in_(advocate_ids)))
    return {row.advocate_id: row._asdict() for row in found}


def without_time(rows: dict[int, dict]) -> dict[int, dict]:
    return {i: {k: v for k, v in row.items() if k != "refreshed_at"} for i, row in rows.items()}


def assert_counted(advocates, rows):
    """Each row's counts are the overuse service's and fairness's, counted one by one."""
    for advocate in advocates:
        row = rows[advocate.id]
        at = aware_utc(row["refreshed_at"])
        used = overuse.usage_of([advocate], at)[advocate.id]
        assert (row["used_month"], row["used_quarter"], row["used_year"]) == (
            used.month,
            used.quarter,
            used.year,
        )
        assert aware_utc(row["last_live_at"]) == used.last_asked_at
        account_used = overuse.account_usage_of([advocate], at)[advocate.id]
        assert (row["account_used_month"], row["account_used_quarter"]) == account_used
        fair = [
            a.asked_at
            for a in _db.session.scalars(sa.select(Ask).where(Ask.advocate_id == advocate.id))
            if a.status in eligibility.FAIR_COUNTED
        ]
        assert row["asks_90d"] == sum(1 for t in fair if t >= at - dt.timedelta(days=90))
        assert row["asks_12m"] == sum(1 for t in fair if t >= at - dt.timedelta(days=365))
        assert aware_utc(row["last_asked_at"]) == (max(fair) if fair else None)
        reference = overuse.references_of([advocate.account_id]).get(advocate.account_id)
        rating = eligibility_row.ratings_of([advocate.id]).get(advocate.id, (None, 0))
        standing = sum(p for _, p in eligibility_row.standing_parts(reference, *rating))
        assert row["standing"] == standing


def test_one_ask_insert_refreshes_eligibility_in_a_few_statements(db, account):
    advocate = account.advocates[0]
    request = ReferenceRequestFactory()
    _db.session.flush()
    _db.session.add(ask(advocate, request))
    with statements() as found:
        _db.session.flush()
    mine = [s for s in found if not of_facts(s) and not s.startswith("INSERT INTO asks ")]
    assert len(mine) <= ELIGIBILITY_STATEMENTS, "\n".join(mine)
    assert len(found) <= FLUSH_STATEMENTS, "\n".join(found)
    # Every colleague's row was refreshed (the account's caps count the new ask).
    rows = rows_of([a.id for a in account.advocates])
    assert all(row["account_used_month"] >= 1 for row in rows.values())
    assert_counted(account.advocates, rows)


def test_the_hook_gives_the_rows_a_full_rebuild_gives(db, account):
    advocates = list(account.advocates)
    _db.session.add(ask(advocates[2], ReferenceRequestFactory(), status="accepted"))
    _db.session.flush()
    hooked = rows_of([a.id for a in advocates])
    assert_counted(advocates, hooked)
    eligibility.rebuild_eligibility()
    assert without_time(rows_of([a.id for a in advocates])) == without_time(hooked)
    assert hooked[advocates[1].id]["blocked_from"] is not None


def test_without_account_caps_the_rows_leave_the_account_count_out(db, account):
    manager = UserFactory(role="manager")
    set_setting(manager, "account_max_per_month", None)
    set_setting(manager, "account_max_per_quarter", None)
    advocates = list(account.advocates)
    _db.session.add(ask(advocates[0], ReferenceRequestFactory()))
    with statements() as found:
        _db.session.flush()
    assert len([s for s in found if not of_facts(s)]) <= 1 + ELIGIBILITY_STATEMENTS
    rows = rows_of([a.id for a in advocates])
    assert {(r["account_used_month"], r["account_used_quarter"]) for r in rows.values()} == {(0, 0)}
    assert rows[advocates[0].id]["used_month"] == overuse.usage(advocates[0]).month
    eligibility.rebuild_eligibility()
    assert without_time(rows_of([a.id for a in advocates])) == without_time(rows)


def test_more_time_zones_than_one_count_serves_still_count_exactly(db):
    zones = [
        "UTC",
        "Europe/Berlin",
        "Europe/Lisbon",
        "America/New_York",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Australia/Sydney",
        "Pacific/Auckland",
        "Not/A_Zone",  # counted in UTC, as the overuse service does
    ]
    assert len(zones) > eligibility_counts.ZONES_PER_COUNT
    account = AccountFactory()
    advocates = [AdvocateFactory(account=account, timezone=zone) for zone in zones]
    request = ReferenceRequestFactory()
    for n, advocate in enumerate(advocates):
        _db.session.add(ask(advocate, request, asked_at=now() - dt.timedelta(days=n * 9)))
    _db.session.flush()
    eligibility.rebuild_eligibility()
    assert_counted(advocates, rows_of([a.id for a in advocates]))


def test_refreshing_one_advocate_counts_their_colleagues_asks_for_the_account(db, account):
    advocates = list(account.advocates)
    colleague = advocates[3]
    _db.session.add(ask(colleague, ReferenceRequestFactory(), status="accepted"))
    _db.session.flush()
    table = AdvocateEligibility.__table__
    _db.session.execute(sa.delete(table))
    assert eligibility.refresh_advocates([advocates[0].id]) == 1
    rows = rows_of([a.id for a in advocates])
    assert set(rows) == {advocates[0].id}
    assert rows[advocates[0].id]["account_used_quarter"] >= 1
    assert_counted([advocates[0]], rows)
