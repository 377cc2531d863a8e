"""Time the report pages: median render time per report and SQL queries per page, by size.

Builds programs of 10,000 and 100,000 advocates with 10 asks each (1,000,000 asks at 100,000)
with the matching benchmark's bulk loader (COPY on PostgreSQL, executemany on SQLite), then
adds what the reports
read besides: opportunities with outcomes and amounts, answer and completion times, decline
reasons, eligibility rows (some advocates at a limit), ledger entries, benefits and claims,
content uses; then the reports' per-request facts are rebuilt and the database vacuumed and
analyzed, as after any bulk load. Then it signs a manager in and GETs the program page
(`/reports/`), every report page (default range: the last 12 months), the manager's home
(`/home`) and the planning page (`/planning/`, twenty needs this quarter) `--runs` times,
printing the median and the number of SQL queries per page, which must be the same at every
size. PostgreSQL: PORTAL_BENCH_DATABASE_URL (a server URL; a database is created there and
dropped afterwards), default the local server; SQLite: a file in a temporary folder. Not part
of the test suite.

    .venv/bin/python bench/reports.py [--sizes 10000 100000] [--runs 7]
                                      [--skip-sqlite] [--skip-postgresql] [--pages /planning/]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-not-for-production")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.matching import build_rows, load  # noqa: E402
from portal import create_app  # noqa: E402
from portal.asks.eligibility_row import activity_bits, framed  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    AdvocateEligibility,
    Benefit,
    Claim,
    ContentAsset,
    ContentUse,
    LedgerEntry,
    MatchRow,
    PlannedNeed,
    User,
)
from portal.program.service import taxonomy_values  # noqa: E402
from portal.reports.facts import rebuild_request_facts  # noqa: E402
from portal.reports.params import REPORTS  # noqa: E402
from portal.vocab import BENEFIT_KINDS, DECLINE_REASONS  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench password 12345"  # noqa: S105
PAGES = ["/reports/"] + [f"/reports/{name}" for name in REPORTS] + ["/home", "/planning/"]


def enrich(rows: dict, seed: int = 5) -> dict:
    """Give the loaded program what the reports read: outcomes, times, reasons, teams."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    industries = sorted(taxonomy_values("industry"))
    for request in rows["reference_requests"]:
        if rng.random() < 0.7:
            created = request["created_at"]
            close = (created + dt.timedelta(days=rng.randint(20, 120))).date()
            request.update(
                opportunity_crm_id=f"006B{request['id']:010d}",
                opportunity_amount=Decimal(rng.randint(10, 900) * 1000),
                opportunity_close_date=close,
                opportunity_outcome=(
                    "open" if close > now.date() else rng.choice(("won", "won", "lost"))
                ),
                criteria={"industries": [rng.choice(industries)]},
            )
    for ask in rows["asks"]:
        if ask["status"] in ("accepted", "completed", "declined"):
            ask["responded_at"] = ask["asked_at"] + dt.timedelta(hours=rng.randint(2, 200))
        if ask["status"] == "completed":
            ask["completed_at"] = ask["responded_at"] + dt.timedelta(days=rng.randint(1, 20))
        if ask["status"] == "declined":
            ask["decline_reason"] = rng.choice(DECLINE_REASONS)
    return rows


def extra_rows(rows: dict, seed: int = 6) -> dict:
    """Eligibility, ledger, benefits, claims, content and its uses, by table in load order."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    last_asked: dict[int, dt.datetime] = {}
    for ask in rows["asks"]:
        if ask["status"] != "withdrawn":
            seen = last_asked.get(ask["advocate_id"])
            last_asked[ask["advocate_id"]] = max(seen, ask["asked_at"]) if seen else ask["asked_at"]
    accounts = {account["id"]: account for account in rows["accounts"]}
    eligibility = [
        {
            "advocate_id": a["id"],
            "active": a["status"] == "active",
            "status": a["status"],
            # The criteria the planning gap reads, as the eligibility hook writes them.
            "activity_bits": activity_bits(a["activity_types"]),
            "industry": accounts[a["account_id"]]["industry"],
            "segment": accounts[a["account_id"]]["segment"],
            "region": accounts[a["account_id"]]["region"],
            "products": framed(
                set(a.get("products") or []) | set(accounts[a["account_id"]]["products"] or [])
            ),
            "askable_from": now + dt.timedelta(days=rng.randint(1, 40))
            if rng.random() < 0.1
            else None,
            "last_asked_at": last_asked.get(a["id"]),
            "refreshed_at": now,
        }
        for a in rows["advocates"]
    ]
    ledger, entry_id = [], 0
    for ask in rows["asks"]:
        if ask["status"] == "completed":
            entry_id += 1
            ledger.append(
                {
                    "id": entry_id,
                    "advocate_id": ask["advocate_id"],
                    "delta": 50,
                    "reason": "activity",
                    "ask_id": ask["id"],
                    "created_at": ask["completed_at"],
                }
            )
    benefits = [
        {
            "id": i + 1,
            "kind": kind,
            "title": f"Bench {kind}",
            "capacity": None,
            "points_cost": 100,
            "requires_approval": False,
            "status": "open",
            "created_at": now,
            "updated_at": now,
        }
        for i, kind in enumerate(BENEFIT_KINDS)
    ]
    claims = []
    for i in range(1, len(rows["advocates"]) // 5 + 1):
        created = now - dt.timedelta(days=rng.randint(1, 900))
        claims.append(
            {
                "id": i,
                "benefit_id": rng.randint(1, len(benefits)),
                "advocate_id": rng.randint(1, len(rows["advocates"])),
                "status": rng.choice(("approved", "fulfilled", "waitlisted", "cancelled")),
                "details": {},
                "created_at": created,
                "updated_at": created,
            }
        )
        entry_id += 1
        ledger.append(
            {
                "id": entry_id,
                "advocate_id": claims[-1]["advocate_id"],
                "delta": -100,
                "reason": "claim",
                "claim_id": i,
                "created_at": created,
            }
        )
    assets = [
        {
            "id": i,
            "kind": "case_study",
            "title": f"Bench story {i}",
            "url": f"https://www.example.com/story/{i}",
            "approval_status": "customer_approved",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, 201)
    ]
    uses = [
        {
            "id": i,
            "asset_id": rng.randint(1, len(assets)),
            "user_id": 1,
            "used_at": now - dt.timedelta(days=rng.randint(0, 700)),
        }
        for i in range(1, len(rows["advocates"]) // 2 + 1)
    ]
    narrow = {c.name for c in MatchRow.__table__.c}
    return {
        AdvocateEligibility: eligibility,
        # The narrow part matching scans, equal to the rows above (as the hook writes both).
        MatchRow: [{k: v for k, v in row.items() if k in narrow} for row in eligibility],
        Benefit: benefits,
        Claim: claims,
        LedgerEntry: ledger,
        ContentAsset: assets,
        ContentUse: uses,
    }


def _with_defaults(
    table: sa.Table, rows: list[dict], for_copy: bool = True
) -> tuple[list[str], list[list]]:
    """Columns and values for COPY (JSON as text) or for an insert, the model's Python defaults
    filled in where not given."""
    given = {key for row in rows for key in row}
    columns = [c for c in table.columns if c.name in given or c.default is not None]
    values = []
    for row in rows:
        line = []
        for column in columns:
            if column.name in row or column.default is None:
                value = row.get(column.name)
            elif column.default.is_callable:
                value = column.default.arg(None)
            else:
                value = column.default.arg
            line.append(json.dumps(value) if for_copy and isinstance(value, list | dict) else value)
        values.append(line)
    return [c.name for c in columns], values


def load_extra(tables: dict) -> None:
    if db.engine.dialect.name != "postgresql":
        for model, rows in tables.items():
            table = model.__table__
            columns, values = _with_defaults(table, rows, for_copy=False)
            full = [dict(zip(columns, line, strict=True)) for line in values]
            for start in range(0, len(full), 20_000):
                db.session.execute(table.insert(), full[start : start + 20_000])
        db.session.commit()
        return
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        for model, rows in tables.items():
            if not rows:
                continue
            table = model.__table__
            columns, values = _with_defaults(table, rows)
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for line in values:
                    copy.write_row(line)
            if "id" in table.columns and "id" in columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def _staff(now) -> None:
    for user_id, team in ((3, "pr"), (4, "events")):
        db.session.add(
            User(id=user_id, email=f"{team}@bench.example", name=team, role="requester", team=team)
        )
    manager = User(id=5, email="boss@bench.example", name="Boss", role="manager")
    manager.set_password(PASSWORD)
    db.session.add(manager)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))"
            )
        )
    # Spread the requests over three teams (sales, PR, events).
    db.session.execute(
        sa.text(
            "UPDATE reference_requests SET requester_id = "
            "CASE id % 3 WHEN 1 THEN 3 WHEN 2 THEN 4 ELSE 1 END"
        )
    )
    db.session.commit()


def _planned_needs(seed: int = 7) -> None:
    """A quarter's plan for the planning page: twenty needs over the next three months, each
    with a criterion or two (industry, segment, region, product), owned by the PR requester."""
    rng = random.Random(seed)
    first = dt.date.today().replace(day=1)
    for n in range(20):
        month = first
        for _ in range(n % 3):
            month = (month + dt.timedelta(days=32)).replace(day=1)
        criteria = rng.sample(
            [
                ("industry", rng.choice(sorted(taxonomy_values("industry")))),
                ("segment", rng.choice(("enterprise", "mid_market", "smb"))),
                ("region", rng.choice(("na", "emea", "apac", "latam"))),
                ("product", rng.choice(sorted(taxonomy_values("product")))),
            ],
            k=1 + n % 2,
        )
        db.session.add(
            PlannedNeed(
                title=f"Need {n}",
                activity_type=rng.choice(("reference_call", "case_study", "quote")),
                count_needed=rng.randint(2, 40),
                needed_by=month + dt.timedelta(days=rng.randint(0, 27)),
                owner_id=3,
                owner_team="pr",
                **dict(criteria),
            )
        )
    db.session.commit()


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def run(url: str, advocates: int, runs: int) -> dict[str, tuple[float, int]]:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        rows = enrich(build_rows(advocates))
        # The matching loader writes users 1 and 2 itself; two more requesters come after.
        load(rows)
        _staff(dt.datetime.now(dt.UTC))
        _planned_needs()
        load_extra(extra_rows(rows))
        rebuild_request_facts()  # the bulk load skipped the hook that keeps them
        db.session.commit()
        # As after any bulk load (and as autovacuum would do a little later on its own): the
        # statistics, and the visibility map that lets the reports' index-only scans skip the
        # tables. Without it, autovacuum runs during the timings.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
        print(
            f"  loaded {advocates:,} advocates, {len(rows['asks']):,} asks, "
            f"{len(rows['reference_requests']):,} requests in {time.perf_counter() - started:.1f} s"
        )
        del rows
        db.session.remove()
    client = app.test_client()
    answer = client.post(
        "/auth/sign-in", data={"email": "boss@bench.example", "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.status_code
    found = {}
    with app.app_context():
        engine = db.engine
    for path in PAGES:
        assert client.get(path).status_code == 200, path  # warm caches and plans
        counter = Counter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        client.get(path)
        sa.event.remove(engine, "before_cursor_execute", counter)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        found[path] = (statistics.median(times), counter.count)
        print(f"  {path:28} median {found[path][0]:7.1f} ms, {counter.count} queries")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return found


def bench_postgresql(base: str, sizes, runs: int) -> dict:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    results = {}
    for size in sizes:
        name = f"portal_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
            print(f"postgresql, {size:,} advocates")
            results[size] = run(url, size, runs)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return results


def bench_sqlite(sizes, runs: int) -> dict:
    results = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            print(f"sqlite, {size:,} advocates")
            results[size] = run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", size, runs)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", nargs="+", help="only these pages (default: all of PAGES)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()
    if args.pages:
        PAGES[:] = [page for page in PAGES if page in args.pages]
    found = {}
    if not args.skip_postgresql:
        base = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_PG)
        found["postgresql"] = bench_postgresql(base, args.sizes, args.runs)
    if not args.skip_sqlite:
        found["sqlite"] = bench_sqlite(args.sizes, args.runs)
    print("\nSummary (target: median < 300 ms at the largest size; queries equal at every size)")
    for database, results in found.items():
        sizes = sorted(results)
        print(f"  {database:28}" + "".join(f"{s:>12,} adv" for s in sizes) + "  queries")
        for path in PAGES:
            times = "".join(f"{results[s][path][0]:>13.1f} ms" for s in sizes)
            queries = [results[s][path][1] for s in sizes]
            same = "equal" if len(set(queries)) == 1 else "DIFFERENT"
            print(f"  {path:28}{times}  {queries} {same}")


if __name__ == "__main__":
    main()
