"""Time matching (program rule 2): top-20 candidates for 50 varied requests.

Builds programs of 10,000 and 100,000 advocates with 10 past asks each on average (1,000,000
asks at 100,000) by bulk load (COPY on PostgreSQL, executemany on SQLite), in one of two shapes:
`uniform` (every advocate about 10 asks) or `skewed` (a quarter never asked, a long tail with
100-300 asks each, the rest in between). It fills the eligibility rows with
`rebuild_eligibility()`, then times `matching.match(request, 20)` for 50 requests and, in the
same run on the same data, a hand-tuned SQL baseline of the same top 20: its own narrow table
(criteria as bit masks, every limit folded into one askable-from instant, fairness and standing
stored as one number) answering one statement per request. It prints median and p95 of both
and their ratio per size, shape and database, checks that both return the same advocates in the
same order, prints the EXPLAIN (ANALYZE on PostgreSQL, QUERY PLAN on SQLite) of the slowest
request's statements, counts the statements of each match, and times one ask insert with its
eligibility refresh (the flush hook). `--against FILE` (another version of
portal/asks/matching.py, e.g. `git show HEAD:portal/asks/matching.py > /tmp/before.py`) times
that version too, request by request in turn with this one on the same data, and counts the
requests whose whole results (ids, scores, reasons, asks left, near misses and their refusals)
differ: a change to matching checked against the code before it. (Results of separate runs
can't be compared: the data is built relative to the time of the run, and "last asked 6 days
ago" turns into 5 when an ask's local time passes midnight.)
PostgreSQL: PORTAL_BENCH_DATABASE_URL (a server URL; a database is created there and dropped
afterwards), default the local server.

    .venv/bin/python bench/matching.py [--sizes 10000 100000] [--shape uniform|skewed|both]
        [--skip-sqlite] [--skip-postgresql] [--no-explain] [--against FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
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
from portal.asks import match_results, matching  # noqa: E402
from portal.asks.eligibility import rebuild_eligibility  # noqa: E402
from portal.asks.eligibility_row import ACTIVITY_BITS, MULTI_KINDS  # noqa: E402
from portal.asks.models import AdvocateEligibility  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Account, Advocate, Ask, ReferenceRequest, User  # noqa: E402
from portal.program.service import get_setting, taxonomy_values  # noqa: E402
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


def build_rows(advocates: int, shape: str = "uniform", seed: int = 7) -> dict:
    """The program in memory: accounts, advocates, past requests and asks (ids given here)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    industries = sorted(taxonomy_values("industry"))
    products = sorted(taxonomy_values("product"))
    use_cases = sorted(taxonomy_values("use_case"))
    languages = sorted(taxonomy_values("language"))
    types = list(ACTIVITY_TYPES)
    terms = get_setting("terms_version")
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
                # Most accepted the program terms in force (the others are out of matching).
                "consent_at": now if rng.random() < 0.97 else None,
                "consent_version": terms,
                "paused_until": (now + dt.timedelta(days=rng.randint(1, 60))).date()
                if paused
                else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    for advocate in rows["advocates"]:
        advocate["activity_types"] = sorted(set(advocate["activity_types"]))
    ask_id = 0
    for r, (asked, chosen) in enumerate(_asked(rng, advocates, shape, now), start=1):
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
        for advocate_id in chosen:
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


def _ask_counts(rng, advocates: int, shape: str) -> list[int]:
    """Past asks per advocate (index 0: advocate 1), about ASKS_PER_ADVOCATE on average."""
    if shape == "uniform":
        return [ASKS_PER_ADVOCATE] * advocates
    counts = []
    # A quarter never asked, 2% a long tail of 100-300 asks, the rest the remainder on average.
    middle = (ASKS_PER_ADVOCATE - 0.02 * 200) / 0.73
    for _ in range(advocates):
        draw = rng.random()
        if draw < 0.25:
            counts.append(0)
        elif draw < 0.27:
            counts.append(rng.randint(100, 300))
        else:
            counts.append(min(99, int(rng.expovariate(1 / middle)) + 1))
    return counts


def _asked(rng, advocates: int, shape: str, now: dt.datetime):
    """(asked at, advocate ids) of the past requests, ASKS_PER_REQUEST distinct advocates each."""
    if shape == "uniform":
        for _ in range(advocates * ASKS_PER_ADVOCATE // ASKS_PER_REQUEST):
            asked = now - dt.timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
            yield asked, rng.sample(range(1, advocates + 1), ASKS_PER_REQUEST)
        return
    pool = [i for i, n in enumerate(_ask_counts(rng, advocates, shape), start=1) for _ in range(n)]
    rng.shuffle(pool)
    for start in range(0, len(pool), ASKS_PER_REQUEST):
        chosen = list(dict.fromkeys(pool[start : start + ASKS_PER_REQUEST]))  # no repeats
        asked = now - dt.timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
        yield asked, chosen


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


# -- the hand-tuned baseline ------------------------------------------------------------------

BASELINE_KINDS = ("industry", "region", "segment", "seniority", "product", "use_case", "language")
FAR = 2**62  # "never askable until something changes", in epoch seconds


def _epoch(value) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp())


def build_baseline(requests: list[ReferenceRequest]) -> dict[str, dict[str, int]]:
    """The hand-tuned design's table `bench_baseline` from the portal's rows of the same data:
    one narrow row per advocate, every hard rule bound by time folded into one askable-from
    instant (never for a status rule), criteria as one bigint bit mask per kind, fairness and
    standing as one stored number. Returns {kind: {value: bit}}."""
    e = AdvocateEligibility.__table__
    rows = db.session.execute(sa.select(e)).all()
    bits: dict[str, dict[str, int]] = {kind: {} for kind in BASELINE_KINDS}

    def bit(kind: str, value: str) -> int:
        known = bits[kind]
        if value not in known:
            known[value] = len(known)
            if known[value] > 62:
                raise SystemExit(f"baseline: more than 63 {kind} values")
        return 1 << known[value]

    for request in requests:  # every requested value has a bit, held or not
        for kind, values in matching.requested_terms(request.criteria).items():
            for value in values:
                bit(kind, value)
    now = time.time()
    table = []
    for row in rows:
        held = {kind: [] for kind in BASELINE_KINDS}
        for kind in ("industry", "region", "segment", "seniority"):
            if getattr(row, kind):
                held[kind].append(getattr(row, kind))
        for kind, column in MULTI_KINDS.items():
            held[kind] += [v for v in (getattr(row, column) or "").split("|") if v]
        askable = _epoch(row.askable_from)
        if row.blocked_from is not None and _epoch(row.blocked_from) <= now:
            askable = max(askable, _epoch(row.blocked_until))
        if not row.active or row.status not in matching.NEAR_MISS_STATUSES:
            askable = FAR
        masks = {}
        for kind, values in held.items():
            mask = 0
            for value in values:
                mask |= bit(kind, value)
            masks[f"{kind}_bits"] = mask
        table.append(
            {
                "advocate_id": row.advocate_id,
                "askable_from": askable,
                "activity_bits": row.activity_bits,
                "account_key": row.account_key,
                "points": row.fairness + row.standing,
                **masks,
            }
        )
    columns = ", ".join(f"{kind}_bits BIGINT NOT NULL" for kind in BASELINE_KINDS)
    db.session.execute(sa.text("DROP TABLE IF EXISTS bench_baseline"))
    db.session.execute(
        sa.text(
            "CREATE TABLE bench_baseline (advocate_id INTEGER PRIMARY KEY, "
            "askable_from BIGINT NOT NULL, activity_bits INTEGER NOT NULL, "
            f"account_key VARCHAR(200) NOT NULL, points INTEGER NOT NULL, {columns})"
        )
    )
    names = list(table[0]) if table else []
    insert = sa.text(
        f"INSERT INTO bench_baseline ({', '.join(names)}) "  # noqa: S608
        f"VALUES ({', '.join(':' + n for n in names)})"
    )
    for start in range(0, len(table), 20_000):
        db.session.execute(insert, table[start : start + 20_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE bench_baseline"))
    else:
        db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return bits


def baseline_statement(request, bits, dialect: str) -> tuple[str, dict]:
    """The one statement of the hand-tuned design for `request`, in the driver's own style."""
    weights = matching._weights()
    terms = matching.requested_terms(request.criteria)
    mark = "%({})s" if dialect == "postgresql" else ":{}"
    params = {
        "now": int(time.time()),
        "activity": ACTIVITY_BITS.get(request.activity_type, 0),
        "request_id": request.id,
    }
    score = []
    for kind, values in terms.items():
        mask = 0
        for value in values:
            mask |= 1 << bits[kind][value]
        params[kind] = mask
        score.append(
            f"CASE WHEN {kind}_bits & {mark.format(kind)} <> 0 THEN {weights[kind]} ELSE 0 END"
        )
    where = [
        f"askable_from <= {mark.format('now')}",
        f"activity_bits & {mark.format('activity')} <> 0",
        "NOT EXISTS (SELECT 1 FROM asks WHERE asks.request_id = "  # noqa: S608
        f"{mark.format('request_id')} AND asks.advocate_id = b.advocate_id)",
    ]
    prospect = matching._prospect_key(request)
    if prospect:
        params["prospect"] = prospect
        where.append(f"account_key <> {mark.format('prospect')}")
    total = " + ".join([*score, "points"])
    sql = (
        f"SELECT advocate_id, {total} AS score FROM bench_baseline b "  # noqa: S608
        f"WHERE {' AND '.join(where)} ORDER BY score DESC, advocate_id LIMIT {TOP}"
    )
    return sql, params


def time_baseline(requests, bits) -> tuple[list[float], list[list[int]]]:
    """Each request's statement run and fetched on the raw driver connection, timed."""
    dialect = db.engine.dialect.name
    raw = db.session.connection().connection.driver_connection
    statements = [baseline_statement(request, bits, dialect) for request in requests]
    cursor = raw.cursor()
    cursor.execute(*statements[0])  # warm
    cursor.fetchall()
    times, found = [], []
    for sql, params in statements:
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
        found.append([row[0] for row in rows])
    cursor.close()
    return times, found


# -- plans and writes ------------------------------------------------------------------------


def explain(request: ReferenceRequest, took: float) -> None:
    """EXPLAIN every SELECT one match runs that reads the eligibility rows (ANALYZE, BUFFERS on
    PostgreSQL; QUERY PLAN on SQLite)."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        matching.match(request, TOP)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    postgresql = engine.dialect.name == "postgresql"
    raw = db.session.connection().connection.driver_connection
    print(
        f"\n-- the slowest request ({took:.1f} ms): criteria {request.criteria}, "
        f"{request.activity_type}, prospect {request.prospect_company!r}; "
        f"{len(seen)} SELECT statements"
    )
    for number, (statement, parameters) in enumerate(seen, start=1):
        if "match_rows" not in statement and "advocate_eligibility" not in statement:
            print(f"-- statement {number}: {' '.join(statement.split())[:160]}")
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        cursor.close()
        plan = "\n".join(str(row[0] if postgresql else row[-1]) for row in rows)
        print(f"-- statement {number}, plan:\n{' '.join(statement.split())[:600]}\n{plan}")


def time_ask_insert(requests: list[ReferenceRequest], count: int = 200) -> float:
    """Median ms of one ask insert and flush (the hook refreshes the advocate's row), each
    rolled back to a savepoint."""
    ids = db.session.scalars(
        sa.select(AdvocateEligibility.advocate_id)
        .where(AdvocateEligibility.active.is_(True))
        .order_by(AdvocateEligibility.advocate_id)
        .limit(count)
    ).all()
    times = []
    now = dt.datetime.now(dt.UTC)
    for n, advocate_id in enumerate(ids):
        request = requests[n % len(requests)]
        nested = db.session.begin_nested()
        db.session.connection()  # the SAVEPOINT is sent now, not timed with the insert
        started = time.perf_counter()
        db.session.add(
            Ask(
                request_id=request.id,
                advocate_id=advocate_id,
                placed_by_id=2,
                status="pending",
                asked_at=now,
                respond_by=now + dt.timedelta(days=5),
            )
        )
        db.session.flush()
        times.append((time.perf_counter() - started) * 1000)
        nested.rollback()
    db.session.rollback()
    return statistics.median(times) if times else 0.0


def _dict_of(module, name: str):
    """The JSON form `name` of `module`'s results: its own, or the shared one
    (`portal.asks.match_results`) of a version that imports it."""
    return getattr(module, name, None) or getattr(match_results, name)


def result_dump(module, result) -> dict:
    """All a match shows (`module`: the matching module that made `result`), as JSON."""
    dump = {
        "matches": [_dict_of(module, "match_dict")(item) for item in result.matches],
        "near_misses": [
            {
                **_dict_of(module, "near_miss_dict")(item),
                "reasons": item.reasons,
                "relevance": item.relevance,
            }
            for item in result.near_misses
        ],
        "scale": result.scale,
        "crowded": result.crowded,
    }
    return json.loads(json.dumps(dump, default=str))


def other_version(path: Path):
    """Another version of portal/asks/matching.py, loaded as a module of its own."""
    spec = importlib.util.spec_from_file_location("bench_matching_against", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def time_matches(requests, against=None) -> dict:
    """Each request matched by this version (and by `against`, in turn: which goes first
    alternates), timed; the top ids and whole results of each."""
    versions = {"portal": matching, **({"against": against} if against else {})}
    found = {name: {"times": [], "tops": [], "dumps": [], "sizes": []} for name in versions}
    for n, request in enumerate(requests):
        names = list(versions) if n % 2 == 0 else list(reversed(versions))
        for name in names:
            module = versions[name]
            db.session.expire_all()
            request.criteria  # noqa: B018 (the request loaded, as the page that matches has it)
            started = time.perf_counter()
            result = module.match(request, TOP)
            found[name]["times"].append((time.perf_counter() - started) * 1000)
            found[name]["sizes"].append(len(result.matches))
            found[name]["tops"].append([m.advocate.id for m in result.matches])
            found[name]["dumps"].append(result_dump(module, result))
    return found


def count_statements(requests) -> list[int]:
    """The statements each request's match sends (not timed)."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen[-1] += 1

    for request in requests:
        db.session.expire_all()
        request.criteria  # noqa: B018 (loaded, as in time_matches)
        seen.append(0)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            matching.match(request, TOP)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    return seen


def run(url: str, advocates: int, shape: str, show_plan: bool, against=None) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        rows = build_rows(advocates, shape)
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
        bits = build_baseline(requests)
        for module in (matching, against) if against else (matching,):
            module.match(requests[0], TOP)  # warm the caches and the connection
        print(f"  load average while matching: {_load_average()}")
        matched = time_matches(requests, against)
        times, tops = matched["portal"]["times"], matched["portal"]["tops"]
        found = matched["portal"]["sizes"]
        print(f"  matches per request: min {min(found)}, median {statistics.median(found)}")
        against_times = matched.get("against", {}).get("times")
        if against:
            mine, theirs = matched["portal"]["dumps"], matched["against"]["dumps"]
            changed = [n for n, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
            print(f"  whole results differ from --against's for {len(changed)}: {changed}")
        statements = count_statements(requests)
        print(f"  statements per match: min {min(statements)}, max {max(statements)}")
        base_times, base_tops = time_baseline(requests, bits)
        differ = sum(1 for mine, theirs in zip(tops, base_tops, strict=True) if mine != theirs)
        print(f"  baseline top {TOP} differs from the portal's for {differ} of {len(requests)}")
        insert = time_ask_insert(requests)
        print(f"  one ask insert with its eligibility refresh: median {insert:.2f} ms")
        if show_plan:
            slowest = max(range(len(times)), key=times.__getitem__)
            explain(requests[slowest], times[slowest])
        db.session.remove()
        db.engine.dispose()
    return {
        "portal": times,
        "baseline": base_times,
        "insert": insert,
        "differ": differ,
        "against": against_times,
    }


def _load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (timings on a busy machine are noisy)."""
    return ", ".join(f"{n:.2f}" for n in os.getloadavg())


def summary(label: str, times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms over {len(times)} requests")
    return median, p95


def measured(label: str, found: dict) -> dict:
    portal = summary(f"{label} portal", found["portal"])
    baseline = summary(f"{label} baseline", found["baseline"])
    against = found["against"] and summary(f"{label} --against", found["against"])
    return {"portal": portal, "baseline": baseline, "insert": found["insert"], "against": against}


def bench_sqlite(sizes, shapes, show_plan: bool, against=None) -> dict:
    results = {}
    for shape in shapes:
        for size in sizes:
            with tempfile.TemporaryDirectory() as folder:
                print(f"sqlite, {size:,} advocates, {shape}")
                url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
                found = run(url, size, shape, show_plan and size == max(sizes), against)
                results[shape, size] = measured(f"sqlite {size:,} {shape}", found)
    return results


def bench_postgresql(base: str, sizes, shapes, show_plan: bool, against=None) -> dict:
    results = {}
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    for shape in shapes:
        for size in sizes:
            name = f"portal_bench_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
                print(f"postgresql, {size:,} advocates, {shape}")
                found = run(url, size, shape, show_plan and size == max(sizes), against)
                results[shape, size] = measured(f"postgresql {size:,} {shape}", found)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return results


def report(name: str, results: dict) -> None:
    print(
        f"  {'':10} {'shape':8} {'advocates':>9}  {'portal med':>10} {'p95':>6}  "
        f"{'baseline med':>12} {'p95':>6}  {'ratio med':>9} {'p95':>5}  {'ask insert':>10}"
    )
    for (shape, size), found in sorted(results.items()):
        (median, p95), (b_median, b_p95) = found["portal"], found["baseline"]
        print(
            f"  {name:10} {shape:8} {size:>9,}  {median:8.1f}ms {p95:6.1f}  "
            f"{b_median:10.1f}ms {b_p95:6.1f}  {median / b_median:9.2f} {p95 / b_p95:5.2f}  "
            f"{found['insert']:8.2f}ms"
            + (
                f"  --against med {found['against'][0]:.1f}ms p95 {found['against'][1]:.1f}"
                if found["against"]
                else ""
            )
        )
    for shape in sorted({shape for shape, _ in results}):
        sizes = sorted(size for s, size in results if s == shape)
        if len(sizes) < 2:
            continue
        small, large = results[shape, sizes[0]], results[shape, sizes[-1]]
        print(
            f"  {name:10} {shape:8} {sizes[-1] // 1000}k/{sizes[0] // 1000}k ratio: portal "
            f"median {large['portal'][0] / small['portal'][0]:.2f}, "
            f"p95 {large['portal'][1] / small['portal'][1]:.2f}; baseline "
            f"p95 {large['baseline'][1] / small['baseline'][1]:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--shape", choices=("uniform", "skewed", "both"), default="both")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--against", type=Path, help="another version of matching.py to time and compare"
    )
    args = parser.parse_args()
    against = other_version(args.against) if args.against else None
    shapes = ("uniform", "skewed") if args.shape == "both" else (args.shape,)
    found = {}
    if not args.skip_postgresql:
        base = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_PG)
        found["postgresql"] = bench_postgresql(
            base, args.sizes, shapes, not args.no_explain, against
        )
    if not args.skip_sqlite:
        found["sqlite"] = bench_sqlite(args.sizes, shapes, not args.no_explain, against)
    print(
        f"\nSummary (top {TOP}, {REQUESTS} requests; targets: PostgreSQL 100k p95 within 1.5x "
        "of the baseline, 100k/10k p95 ratio < 3, SQLite 100k p95 < 150 ms, ask insert < 5 ms); "
        f"load average now {_load_average()}"
    )
    for name, results in found.items():
        report(name, results)


if __name__ == "__main__":
    main()
