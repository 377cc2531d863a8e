"""Time matching (program rule 2): top-20 candidates for 50 varied requests.

Builds programs of 10,000 and 100,000 advocates with 10 past asks each (1,000,000 asks at
100,000) by bulk load (COPY on PostgreSQL, executemany on SQLite), fills the eligibility rows
with `rebuild_eligibility()`, then times `matching.match(request, 20)` for 50 requests and prints
median and p95 per size and database, the 100k/10k ratio, and on PostgreSQL the EXPLAIN ANALYZE
of one match's queries. PostgreSQL: PORTAL_BENCH_DATABASE_URL (a server URL; a database is
created there and dropped afterwards), default the local server.

    .venv/bin/python bench/matching.py [--sizes 10000 100000] [--skip-sqlite] [--skip-postgresql]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-not-for-production")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.asks import matching  # noqa: E402
from portal.asks.eligibility import rebuild_eligibility  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Account, Advocate, Ask, ReferenceRequest, User  # noqa: E402
from portal.program.service import taxonomy_values  # noqa: E402
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, SENIORITIES  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ASKS_PER_ADVOCATE = 10
ASKS_PER_REQUEST = 4
REQUESTS = 50
TOP = 20
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
COMMON_TYPES = ("reference_call", "reference_call", "case_study", "peer_review", "quote")


def _sample(rng, values, low, high):
    return rng.sample(values, min(len(values), rng.randint(low, high)))


def build_rows(advocates: int, seed: int = 7) -> dict:
    """The program in memory: accounts, advocates, past requests and asks (ids given here)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    industries = sorted(taxonomy_values("industry"))
    products = sorted(taxonomy_values("product"))
    use_cases = sorted(taxonomy_values("use_case"))
    languages = sorted(taxonomy_values("language"))
    types = list(ACTIVITY_TYPES)
    rows = {"accounts": [], "advocates": [], "reference_requests": [], "asks": []}
    n_accounts = max(1, advocates // 4)
    for i in range(1, n_accounts + 1):
        rows["accounts"].append(
            {
                "id": i,
                "name": f"Bench Account {i}",
                "industry": rng.choice(industries),
                "segment": rng.choice(SEGMENTS),
                "region": rng.choice(REGIONS),
                "status": "active" if rng.random() < 0.95 else "paused",
                "products": _sample(rng, products, 1, 3),
                "created_at": now,
                "updated_at": now,
            }
        )
    for i in range(1, advocates + 1):
        paused = rng.random() < 0.02
        rows["advocates"].append(
            {
                "id": i,
                "account_id": rng.randint(1, n_accounts),
                "name": f"Bench Advocate {i}",
                "email": f"advocate{i}@bench.example",
                "seniority": rng.choice(SENIORITIES),
                "products": _sample(rng, products, 1, 2),
                "use_cases": _sample(rng, use_cases, 1, 3),
                "languages": _sample(rng, languages, 1, 2),
                "timezone": rng.choice(ZONES),
                "status": "active" if rng.random() < 0.9 else rng.choice(("paused", "retired")),
                "activity_types": _sample(rng, types, 2, 6)
                + ["reference_call"] * (rng.random() < 0.6),
                "preferred_contact": "email",
                "paused_until": (now + dt.timedelta(days=rng.randint(1, 60))).date()
                if paused
                else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    for advocate in rows["advocates"]:
        advocate["activity_types"] = sorted(set(advocate["activity_types"]))
    n_requests = advocates * ASKS_PER_ADVOCATE // ASKS_PER_REQUEST
    ask_id = 0
    for r in range(1, n_requests + 1):
        asked = now - dt.timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
        recent = (now - asked).days < 30
        rows["reference_requests"].append(
            {
                "id": r,
                "requester_id": 1,
                "activity_type": rng.choice(COMMON_TYPES),
                "opportunity_outcome": "open",
                "criteria": {},
                "needed_by": (asked + dt.timedelta(days=14)).date(),
                "advocates_needed": 1,
                "status": "in_progress" if recent else "completed",
                "prospect_company": f"Prospect {r}",
                "created_at": asked,
                "updated_at": asked,
            }
        )
        for advocate_id in rng.sample(range(1, advocates + 1), ASKS_PER_REQUEST):
            ask_id += 1
            at = asked + dt.timedelta(minutes=rng.randint(0, 600))
            if recent:
                status = rng.choices(("pending", "accepted", "declined"), (4, 4, 2))[0]
            else:
                status = rng.choices(
                    ("completed", "declined", "expired", "withdrawn"), (50, 30, 15, 5)
                )[0]
            rows["asks"].append(
                {
                    "id": ask_id,
                    "request_id": r,
                    "advocate_id": advocate_id,
                    "placed_by_id": 2,
                    "status": status,
                    "asked_at": at,
                    "respond_by": at + dt.timedelta(days=5),
                    "created_at": at,
                    "updated_at": at,
                }
            )
    return rows


def _users(now):
    return [
        {
            "id": 1,
            "email": "rep@bench.example",
            "name": "Rep",
            "role": "requester",
            "team": "sales",
            "timezone": "UTC",
            "active": True,
            "created_at": now,
            "updated_at": now,
        },
        {
            "id": 2,
            "email": "mgr@bench.example",
            "name": "Manager",
            "role": "manager",
            "timezone": "UTC",
            "active": True,
            "created_at": now,
            "updated_at": now,
        },
    ]


ORDER = (
    ("users", User),
    ("accounts", Account),
    ("advocates", Advocate),
    ("reference_requests", ReferenceRequest),
    ("asks", Ask),
)


def _copy_value(value):
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def load(rows: dict) -> None:
    """Bulk load: COPY on PostgreSQL, executemany (Core) on SQLite."""
    rows = {"users": _users(dt.datetime.now(dt.UTC)), **rows}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            for name, _ in ORDER:
                columns = sorted({key for row in rows[name] for key in row})
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[name]:
                        copy.write_row([_copy_value(row.get(c)) for c in columns])
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
    else:
        for name, model in ORDER:
            columns = sorted({key for row in rows[name] for key in row})
            full = [{c: row.get(c) for c in columns} for row in rows[name]]
            for start in range(0, len(full), 20_000):
                db.session.execute(model.__table__.insert(), full[start : start + 20_000])
    db.session.commit()
    if connection.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def requests_to_match(seed: int = 11) -> list[ReferenceRequest]:
    rng = random.Random(seed)
    vocab = {
        "industries": sorted(taxonomy_values("industry")),
        "products": sorted(taxonomy_values("product")),
        "use_cases": sorted(taxonomy_values("use_case")),
        "languages": sorted(taxonomy_values("language")),
        "regions": list(REGIONS),
        "segments": list(SEGMENTS),
        "seniorities": list(SENIORITIES),
    }
    made = []
    for i in range(REQUESTS):
        keys = rng.sample(sorted(vocab), rng.randint(1, 5))
        criteria = {key: rng.sample(vocab[key], rng.randint(1, 2)) for key in keys}
        made.append(
            ReferenceRequest(
                requester_id=1,
                activity_type=rng.choice(COMMON_TYPES + ("webinar", "speaking")),
                criteria=criteria,
                needed_by=dt.date.today() + dt.timedelta(days=14),
                advocates_needed=2,
                status="submitted",
                opportunity_outcome="open",
                prospect_company=f"Bench Account {rng.randint(1, 2000)}" if i % 3 else None,
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return made


def explain(request: ReferenceRequest) -> None:
    """EXPLAIN ANALYZE every SELECT one match runs that reads the eligibility rows."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "advocate_eligibility" in statement and statement.lstrip().startswith(
            ("SELECT", "WITH")
        ):
            seen.append((statement, parameters))

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        matching.match(request, TOP)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    raw = db.session.connection().connection.driver_connection
    names = (
        "askable candidates by score (top 20)",
        "near misses by relevance (top 5)",
        "counts for the reasons",
    )
    for (statement, parameters), name in zip(seen, names, strict=False):
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(
            f"\n-- EXPLAIN ANALYZE: {name} (criteria {request.criteria}, "
            f"{request.activity_type})\n{plan}"
        )


def run(url: str, advocates: int, show_plan: bool) -> list[float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        rows = build_rows(advocates)
        load(rows)
        loaded = time.perf_counter() - started
        print(f"  loaded {advocates:,} advocates, {len(rows['asks']):,} asks in {loaded:.1f} s")
        del rows
        started = time.perf_counter()
        rebuild_eligibility(batch=1000)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"  rebuilt eligibility in {time.perf_counter() - started:.1f} s")
        requests = requests_to_match()
        matching.match(requests[0], TOP)  # warm the caches and the connection
        times, found = [], []
        for request in requests:
            started = time.perf_counter()
            result = matching.match(request, TOP)
            times.append((time.perf_counter() - started) * 1000)
            found.append(len(result.matches))
            db.session.expire_all()
        print(f"  matches per request: min {min(found)}, median {statistics.median(found)}")
        if show_plan:
            explain(requests[1])
        db.session.remove()
        db.engine.dispose()
    return times


def summary(label: str, times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms over {len(times)} requests")
    return median, p95


def bench_sqlite(sizes) -> dict:
    results = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            print(f"sqlite, {size:,} advocates")
            times = run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", size, False)
            results[size] = summary(f"sqlite {size:,}", times)
    return results


def bench_postgresql(base: str, sizes) -> dict:
    results = {}
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    for size in sizes:
        name = f"portal_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
            print(f"postgresql, {size:,} advocates")
            times = run(url, size, size == max(sizes))
            results[size] = summary(f"postgresql {size:,}", times)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return results


def ratios(name: str, results: dict) -> None:
    if len(results) < 2:
        return
    small, large = min(results), max(results)
    median = results[large][0] / results[small][0]
    p95 = results[large][1] / results[small][1]
    print(f"{name} {large // 1000}k/{small // 1000}k ratio: median {median:.2f}, p95 {p95:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()
    found = {}
    if not args.skip_postgresql:
        base = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_PG)
        found["postgresql"] = bench_postgresql(base, args.sizes)
    if not args.skip_sqlite:
        found["sqlite"] = bench_sqlite(args.sizes)
    print("\nSummary (top 20, 50 requests; target: PostgreSQL p95 < 150 ms at 100k, ratio < 5)")
    for name, results in found.items():
        for size, (median, p95) in sorted(results.items()):
            print(f"  {name:10} {size:>7,} advocates: median {median:6.1f} ms, p95 {p95:6.1f} ms")
        ratios(f"  {name}", results)


if __name__ == "__main__":
    main()
