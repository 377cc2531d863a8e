"""Time `seed-demo` with 10,000 advocates against the 30 s target.

Runs on a temporary SQLite file, and also on PostgreSQL when PORTAL_BENCH_DATABASE_URL is set
(a server URL: a fresh database is created there and dropped afterwards).

    .venv/bin/python bench/seed.py [--advocates 10000]
"""

from __future__ import annotations

import argparse
import os
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
from portal.demo.seed import seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402

TARGET_SECONDS = 30.0


def run(url: str, advocates: int) -> float:
    """Migrate an empty database, seed it, commit; return the seconds the seed took."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = seed_demo(advocates)
        db.session.commit()
        seconds = time.perf_counter() - started
        rows = sum(counts.values())
        db.session.remove()
        db.engine.dispose()
    print(f"  rows written: {rows:,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    return seconds


def report(name: str, advocates: int, seconds: float) -> None:
    ratio = seconds / TARGET_SECONDS
    print(
        f"{name}: {advocates:,} advocates in {seconds:.2f} s, "
        f"{advocates / seconds:,.0f} advocates/s, {ratio:.2f} of the {TARGET_SECONDS:.0f} s "
        f"target ({'within' if ratio <= 1 else 'OVER'} target, {1 / ratio:.1f}x headroom)"
    )


def bench_sqlite(advocates: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        report("sqlite", advocates, run(url, advocates))


def bench_postgresql(base: str, advocates: int) -> None:
    name = f"portal_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        report("postgresql", advocates, run(url, advocates))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advocates", type=int, default=10_000)
    args = parser.parse_args()
    bench_sqlite(args.advocates)
    base = os.environ.get("PORTAL_BENCH_DATABASE_URL")
    if base:
        bench_postgresql(base, args.advocates)
    else:
        print("postgresql: skipped (set PORTAL_BENCH_DATABASE_URL to a server URL to run it)")


if __name__ == "__main__":
    main()
