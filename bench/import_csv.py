"""Time the CSV imports: 50,000 accounts, then 50,000 advocates at them, on a fresh SQLite file.

Runs the real command-line commands (`import-accounts`, `import-advocates`, with their progress
bar) on generated CRM-like files (semicolons, a BOM, labels in mixed case, an extra column), then
imports each file again (idempotence: everything unchanged), and prints seconds and rows/s.
The target is under a minute for 50,000 rows.

    .venv/bin/python bench/import_csv.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-not-for-production")

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.program.service import taxonomy_values  # noqa: E402

REGIONS = ("EMEA", "North America", "apac", "LATAM")
SEGMENTS = ("SMB", "Mid-market", "enterprise")
SENIORITIES = ("Executive", "director", "Manager", "practitioner", "technical")
ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")


def write_files(folder: Path, rows: int, industries, products) -> tuple[Path, Path]:
    rng = random.Random(11)
    accounts = folder / "accounts.csv"
    with accounts.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("CRM Id;Name;Industry;Segment;Region;Country;Employees;Products;Owner Team\r\n")
        for n in range(rows):
            out.write(
                f"C-{n:06d};Company {n} AG;{rng.choice(industries).title()};"
                f"{rng.choice(SEGMENTS)};{rng.choice(REGIONS)};DE;{rng.randint(10, 90000)};"
                f"{'|'.join(rng.sample(products, 2))};north\r\n"
            )
    advocates = folder / "advocates.csv"
    with advocates.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("Email;Name;Account CRM Id;Title;Seniority;Timezone;Status;Activity types\r\n")
        for n in range(rows):
            out.write(
                f'person{n}@company{n}.example;Person {n};C-{n:06d};"Head of IT; EMEA";'
                f"{rng.choice(SENIORITIES)};{rng.choice(ZONES)};Nominated;reference call|Quote\r\n"
            )
    return accounts, advocates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(folder)})
        with app.app_context():
            upgrade()
            industries = sorted(taxonomy_values("industry"))
            products = sorted(taxonomy_values("product"))
        accounts, advocates = write_files(folder, args.rows, industries, products)
        runner = app.test_cli_runner()
        print(f"{args.rows:,} rows per file, SQLite")
        for label, command, path in (
            ("accounts, first import", "import-accounts", accounts),
            ("accounts, again (unchanged)", "import-accounts", accounts),
            ("advocates, first import", "import-advocates", advocates),
            ("advocates, again (unchanged)", "import-advocates", advocates),
        ):
            start = time.perf_counter()
            result = runner.invoke(args=[command, str(path)])
            seconds = time.perf_counter() - start
            if result.exit_code != 0:
                print(result.output)
                raise SystemExit(1)
            summary = result.output.strip().splitlines()[-1]
            print(f"{label:30} {seconds:6.1f} s  {args.rows / seconds:8,.0f} rows/s  {summary}")


if __name__ == "__main__":
    main()
