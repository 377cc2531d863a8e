"""Page throughput: every menu page of each demo role against the bare Flask stack.

Builds the demo program (`seed-demo`, 10,000 advocates by default) in a temporary SQLite file
(or a fresh database on the server of --database-url), serves it with `gunicorn -w 2`, and
serves `bench/bare_app.py` (Flask + SQLAlchemy + Jinja, one indexed 20-row query from 100,000
rows in a layout) the same way. Then it signs each demo role in through the real sign-in form
and drives every page of that role's menus (found on its home page, as a person would click
them) with one load generator, `wrk -t2 -c16` (Debian package wrk), for --seconds each; the
bare page is measured before and after the portal's pages and its mean is the baseline. It
prints req/s, the share of the bare stack and the non-2xx count per page, and the lowest share.

    .venv/bin/python bench/pages.py [--advocates 10000] [--seconds 5] [--roles manager ...]
                                    [--pages /home /advocates/] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
FLASK = str(Path(PYTHON).with_name("flask"))
PASSWORD = "demo-password-2026"  # noqa: S105 (the demo logins seed-demo prints)
ROLES = {
    "admin": "admin@demo.example",
    "manager": "manager@demo.example",
    "csm": "csm@demo.example",
    "requester": "sales@demo.example",
    "advocate": "advocate@demo.example",
}
SKIP = (".csv", ".ics", ".json", "/auth/sign-out", "/auth/sessions", "/api/")
HREF = re.compile(r'<a[^>]+href="(/[^"#]*)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AGENT = "bench-pages/1"  # the same for sign-in and wrk (sessions are bound to the browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(app: str, env: dict, workers: int):
    """gunicorn with `workers` sync workers on a free port; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(requests.RequestException):
                requests.get(url + "/", timeout=30)
                break
            if process.poll() is not None:
                raise SystemExit(f"{app} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [FLASK, "--app", "portal", *args], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def sign_in(url: str, email: str) -> requests.Session:
    """Sign in through the form (accepting new program terms if asked) like a browser."""
    browser = requests.Session()
    browser.headers["User-Agent"] = AGENT
    form = browser.get(url + "/auth/sign-in", timeout=30)
    token = CSRF.search(form.text).group(1)
    done = browser.post(
        url + "/auth/sign-in",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        timeout=30,
    )
    if "/me/terms" in done.url:
        token = CSRF.search(done.text).group(1)
        version = re.search(r'name="version"[^>]*value="([^"]*)"', done.text)
        browser.post(
            done.url,
            data={
                "csrf_token": token,
                "agree": "y",
                "version": version.group(1) if version else "",
            },
            timeout=30,
        )
    home = browser.get(url + "/home", timeout=30)
    if home.status_code != 200 or "/auth/sign-in" in home.url:
        raise SystemExit(f"{email} could not sign in ({home.status_code} {home.url})")
    return browser


def menu_pages(browser: requests.Session, url: str) -> list[str]:
    """The pages the home page's header links to (menus and their dropdowns), home first."""
    html = browser.get(url + "/home", timeout=30).text
    header = html.split("</header>")[0]
    pages = ["/home"]
    for href in HREF.findall(header):
        path = urlsplit(urljoin(url, href)).path
        if path not in pages and not any(part in path for part in SKIP):
            pages.append(path)
    return pages


def cookie_header(browser: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def status_of(url: str, cookie: str) -> int:
    """The status wrk's requests get (no redirect followed: a 302 to sign-in is a failure)."""
    headers = {"Cookie": cookie, "User-Agent": AGENT}
    return requests.get(url, headers=headers, allow_redirects=False, timeout=60).status_code


def wrk(url: str, seconds: int, cookie: str | None = None) -> tuple[float, int]:
    """(req/s, non-2xx-or-3xx responses) of `wrk -t2 -c16`."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"User-Agent: {AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


@contextlib.contextmanager
def database(server_url: str | None, folder: Path):
    if not server_url:
        yield f"sqlite:///{folder / 'portal.sqlite'}"
        return
    import sqlalchemy as sa

    name = f"bench_pages_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.engine.make_url(server_url).set(database=name))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advocates", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--roles", nargs="+", choices=list(ROLES), default=list(ROLES))
    parser.add_argument("--pages", nargs="+", help="only these paths (of each role's menus)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, Path(tmp)) as url:
        folder = Path(tmp)
        env = {
            "PORTAL_DATABASE_URL": url,
            "PORTAL_SECRET_KEY": "bench-secret-key-not-for-production",
            "PORTAL_BASE_URL": "http://127.0.0.1",
        }
        started = time.perf_counter()
        flask(env, "db", "upgrade")
        flask(env, "seed-demo", "--advocates", str(args.advocates))
        flask(env, "refresh-eligibility", "--all")
        print(f"demo program of {args.advocates:,} advocates built in "
              f"{time.perf_counter() - started:.0f} s ({url.split(':')[0]})")  # fmt: skip
        bare_env = {"BENCH_BARE_DB": f"sqlite:///{folder / 'bare.sqlite'}"}
        subprocess.run(  # noqa: S603
            [PYTHON, "-m", "bench.bare_app"], cwd=ROOT, env={**os.environ, **bare_env}, check=True
        )
        with (
            serve("bench.bare_app:create_app()", bare_env, args.workers) as bare,
            serve("portal:create_app()", env, args.workers) as portal,
        ):
            # The bare page is measured between every two portal pages: each page's share is
            # against the mean of the bare runs either side of it (the machine's load drifts).
            bare_rates = [wrk(bare + "/", args.seconds)[0]]
            rows = []
            for role in args.roles:
                browser = sign_in(portal, ROLES[role])
                cookie = cookie_header(browser)
                pages = menu_pages(browser, portal)
                if args.pages:
                    pages = [p for p in pages if p in args.pages]
                for path in pages:
                    status = status_of(portal + path, cookie)
                    rate, bad = wrk(portal + path, args.seconds, cookie)
                    if status_of(portal + path, cookie) != status:
                        raise SystemExit(f"{role} {path}: the session ended during the run")
                    bare_rates.append(wrk(bare + "/", args.seconds)[0])
                    baseline = (bare_rates[-2] + bare_rates[-1]) / 2
                    rows.append((role, path, status, rate, baseline, bad))
                    print(f"  {role} {path}: {rate:,.0f} req/s, bare {baseline:,.0f}", flush=True)
    print(
        f"\nbare Flask + SQLAlchemy + Jinja page: {min(bare_rates):,.0f} to "
        f"{max(bare_rates):,.0f} req/s over the run (gunicorn -w {args.workers}, wrk -t2 -c16, "
        f"{args.seconds} s each; shares are against the bare runs just before and after)\n"
    )
    head = ("role", "page", "status", "req/s", "bare", "share", "non-2xx")
    print(f"{head[0]:<10} {head[1]:<34} " + " ".join(f"{h:>8}" for h in head[2:]))
    for role, path, status, rate, baseline, bad in rows:
        print(f"{role:<10} {path:<34} {status:>6} {rate:>8,.0f} {baseline:>8,.0f} "
              f"{rate / baseline:>7.0%} {bad:>8}")  # fmt: skip
    shares = sorted((rate / baseline, role, path) for role, path, _, rate, baseline, _ in rows)
    below = [f"{role} {path}" for share, role, path in shares if share < 0.6]
    print(f"\nlowest share: {shares[0][0]:.0%} ({shares[0][1]} {shares[0][2]}); median share: "
          f"{shares[len(shares) // 2][0]:.0%}; target: every page at least 60% "
          f"({len(below)} below: {', '.join(below) or 'none'})")  # fmt: skip


if __name__ == "__main__":
    main()
