"""Issue 18's "done when": two web processes (gunicorn) and two workers on one PostgreSQL
database and one Redis behave as one portal.

A session signed in through one web process is valid on the other; asks and claims placed
through both at once keep the program's rules; many outbox messages are each delivered once,
even when a worker is killed outright in the middle (the other takes its messages over when
their claim runs out); and /readyz answers 503 while the database refuses connections.

Real parts throughout: the processes run the real commands against a database of this test's
own (dropped at the end) and a real SMTP server (aiosmtpd) counts what arrives. Only the outbox
claim is shortened (5 minutes in production) so that the takeover happens within the test.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from portal.auth.service import create_api_token
from portal.benefits.models import Claim
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, is_postgres, make_app, new_database
from tests.factories import (
    AdvocateFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.notifications.servers import SMTPServer, free_port

pytestmark = pytest.mark.skipif(
    not is_postgres(),
    reason="runs two web processes and two workers on one database server: set "
    "PORTAL_TEST_DATABASE_URL to a PostgreSQL server (SQLite is one file on one machine)",
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 11  # rate-limit counters of this test only (keys expire by themselves)
CLAIM_SECONDS = 4  # the outbox claim of the test's workers (production: 300)
MONTHLY_LIMIT = 2
ASKS = 8  # placed at once for one advocate whose monthly limit is MONTHLY_LIMIT
CAPACITY = 3
CLAIMANTS = 8  # claim at once a benefit with CAPACITY places
MESSAGES = 80

# The real `worker` command of `flask --app portal worker`, with a shorter outbox claim.
WORKER = (
    "import sys\n"
    "from flask.cli import FlaskGroup\n"
    "from portal import create_app\n"
    f"overrides = {{'OUTBOX_CLAIM_SECONDS': {CLAIM_SECONDS}}}\n"
    "FlaskGroup(create_app=lambda: create_app(overrides)).main(\n"
    "    ['worker', *sys.argv[1:]], prog_name='flask')\n"
)


def _redis_or_skip() -> None:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip(f"needs Redis on {REDIS[0]}:{REDIS[1]} (the web processes' shared rate limits)")


class Topology:
    """The processes of one portal and what the test needs to reach them."""

    def __init__(self, database_url: str, folder: Path, smtp: SMTPServer) -> None:
        self.database_url = database_url
        self.folder = folder
        self.smtp = smtp
        self.ports = [free_port(), free_port()]
        self.web = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.secret = secrets.token_urlsafe(32)
        self.env = {
            **os.environ,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": self.secret,
            "PORTAL_BASE_URL": self.web[0],
            "PORTAL_RATELIMIT_STORAGE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": str(smtp.port),
            "PORTAL_SMTP_TLS": "none",
            "PORTAL_CONSOLE_MAIL_DIR": str(folder / "console-mail"),  # never used: SMTP is set
            "PORTAL_READY_WORKER_SECONDS": "60",
            "PORTAL_WORKER_INTERVAL": "0.5",
            "PORTAL_LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def run(self, *args: str) -> None:
        """A flask command to its end (db upgrade), failing with its output."""
        result = subprocess.run(  # noqa: S603
            [str(BIN / "flask"), "--app", "portal", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        self.logs[name] = self.folder / f"{name}.log"
        with open(self.logs[name], "wb") as log:
            process = subprocess.Popen(  # noqa: S603
                argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        return process

    def start_web(self, index: int) -> None:
        # gunicorn reads ./gunicorn.conf.py (the deployment's settings); one process each here.
        self.start(
            f"web{index}",
            [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{self.ports[index]}",
             "--graceful-timeout", "2", "portal:create_app()"],
        )  # fmt: skip

    def start_worker(self, index: int) -> None:
        self.start(f"worker{index}", [sys.executable, "-c", WORKER, "--interval", "0.5"])

    def wait_until_serving(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        for base, name in zip(self.web, ("web0", "web1"), strict=True):
            while True:
                self.check_alive(name)
                try:
                    if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:  # not listening yet, or still loading the app
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer /healthz:\n{self.tail(name)}")
                time.sleep(0.1)

    def check_alive(self, name: str) -> None:
        if self.processes[name].poll() is not None:
            pytest.fail(f"{name} exited with {self.processes[name].returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        text = self.logs[name].read_text(errors="replace") if name in self.logs else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _seed(app) -> dict:
    """A small program: a manager, one advocate who may be asked twice a month, requests to ask
    them for, a benefit with few places and advocates to claim it; API tokens for all."""
    with app.app_context():
        manager = UserFactory(role="manager", email="manager@vendor.example", name="Mara Manager")
        busy = AdvocateFactory(
            max_per_month=MONTHLY_LIMIT, max_per_quarter=50, max_per_year=50, min_days_between=0
        )
        requests_ = [ReferenceRequestFactory() for _ in range(ASKS)]
        benefit = BenefitFactory(kind="training", capacity=CAPACITY, points_cost=0)
        claimants = [advocate_with_login() for _ in range(CLAIMANTS)]
        _db.session.flush()
        world = {
            "manager_email": manager.email,
            "manager_token": create_api_token(None, manager)[1],
            "advocate_id": busy.id,
            "request_ids": [r.id for r in requests_],
            "benefit_id": benefit.id,
            "claimant_tokens": [create_api_token(None, user)[1] for _, user in claimants],
        }
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    return world


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    _redis_or_skip()
    folder = tmp_path_factory.mktemp("topology")
    smtp = SMTPServer()
    smtp.handler.delay = 0.01  # a little work per message, so a worker can be killed mid-run
    smtp.start()
    with new_database(folder) as database_url:
        portal = Topology(database_url, folder, smtp)
        seeding = None
        try:
            for index in (0, 1):  # the web processes load while the schema is made
                portal.start_web(index)
            portal.run("db", "upgrade")
            seeding = make_app(database_url, SECRET_KEY=portal.secret)
            portal.world = _seed(seeding)
            for index in (0, 1):
                portal.start_worker(index)
            portal.wait_until_serving()
            yield portal
        finally:
            portal.stop_all()
            smtp.stop()
            if seeding is not None:
                with seeding.app_context():
                    _db.session.remove()
                    _db.engine.dispose()


@pytest.fixture(scope="module")
def seeded_app(topology):
    """An app in this test process on the topology's database, to look at what the processes
    wrote."""
    app = make_app(topology.database_url, SECRET_KEY=topology.secret)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_a_session_signed_in_through_one_web_process_is_valid_on_the_other(topology):
    one, two = topology.web
    browser = requests.Session()
    form = browser.get(f"{one}/auth/sign-in", timeout=10)
    signed_in = browser.post(
        f"{one}/auth/sign-in",
        data={"email": topology.world["manager_email"], "password": PASSWORD,
              "csrf_token": _csrf(form.text)},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert signed_in.status_code == 302, signed_in.text[:500]

    home = browser.get(f"{two}/home", allow_redirects=False, timeout=10)
    assert home.status_code == 200
    assert "Mara Manager" in home.text
    # A form served by one process is accepted by the other (one CSRF key, one session).
    page = browser.get(f"{two}/auth/password", timeout=10)
    signed_out = browser.post(
        f"{one}/auth/sign-out", data={"csrf_token": _csrf(page.text)}, allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert signed_out.status_code == 302
    after = browser.get(f"{two}/home", allow_redirects=False, timeout=10)
    assert after.status_code == 302 and "/auth/sign-in" in after.headers["Location"]


def _at_once(calls):
    """Run the (method, url, token, body) calls all at the same instant; their responses."""
    start = threading.Barrier(len(calls))

    def call(method, url, token, body):
        start.wait(timeout=30)
        return requests.request(method, url, json=body, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda args: call(*args), calls))


def test_asks_placed_through_both_processes_at_once_never_break_the_monthly_limit(
    topology, seeded_app
):
    world = topology.world
    calls = [
        ("POST", f"{topology.web[i % 2]}/api/v1/requests/{request_id}/asks",
         world["manager_token"], {"advocate_id": world["advocate_id"]})
        for i, request_id in enumerate(world["request_ids"])
    ]  # fmt: skip
    answers = _at_once(calls)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * MONTHLY_LIMIT + [409] * (ASKS - MONTHLY_LIMIT), [
        answer.text[:200] for answer in answers
    ]
    refused = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    assert all(error["message"] for error in refused)
    with seeded_app.app_context():
        live = _db.session.scalar(
            sa.text("SELECT count(*) FROM asks WHERE advocate_id = :id"),
            {"id": world["advocate_id"]},
        )
        assert live == MONTHLY_LIMIT


def test_claims_placed_through_both_processes_at_once_never_exceed_the_capacity(
    topology, seeded_app
):
    world = topology.world
    calls = [
        ("POST", f"{topology.web[i % 2]}/api/v1/benefits/{world['benefit_id']}/claims", token, {})
        for i, token in enumerate(world["claimant_tokens"])
    ]
    answers = _at_once(calls)
    assert [answer.status_code for answer in answers] == [201] * CLAIMANTS, [
        answer.text[:200] for answer in answers
    ]
    statuses = sorted(answer.json()["status"] for answer in answers)
    assert statuses == ["approved"] * CAPACITY + ["waitlisted"] * (CLAIMANTS - CAPACITY)
    with seeded_app.app_context():
        approved = _db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Claim)
            .where(Claim.benefit_id == world["benefit_id"], Claim.status == "approved")
        )
        assert approved == CAPACITY


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.05)


def test_every_message_is_sent_once_although_a_worker_is_killed_mid_run(topology, seeded_app):
    smtp = topology.smtp.handler
    victim = topology.processes["worker0"]
    mine = OutboxMessage.claimed_by.like(f"%:{victim.pid}:%")  # claims of the victim's process
    with seeded_app.app_context():
        messages = [
            OutboxMessage(kind="email", template="test", recipient=f"person{i}@customer.example",
                          subject=f"Topology {i:03d}", body_text=f"Hello {i}.")
            for i in range(MESSAGES)
        ]  # fmt: skip
        _db.session.add_all(messages)
        _db.session.commit()
        ids = {message.id for message in messages}
        ours = OutboxMessage.id.in_(ids)

        def count(*where) -> int:
            _db.session.rollback()  # a fresh snapshot
            query = sa.select(sa.func.count()).select_from(OutboxMessage).where(ours, *where)
            return _db.session.scalar(query)

        # Kill the victim while it holds claims and delivery is under way.
        _wait(lambda: count(mine) and count(OutboxMessage.status == "sent") >= 5, 20,
              "the victim to hold claims while messages go out")  # fmt: skip
        victim.send_signal(signal.SIGKILL)  # no chance to give anything back
        victim.wait(timeout=10)
        _db.session.rollback()
        stranded = set(_db.session.scalars(sa.select(OutboxMessage.id).where(ours, mine)))
        assert stranded, "the killed worker held no claim: it was not killed mid-run"

        _wait(lambda: count(OutboxMessage.status == "sent") == MESSAGES, CLAIM_SECONDS + 20,
              "every message sent by the surviving worker")  # fmt: skip
        topology.check_alive("worker1")
        assert count(OutboxMessage.claimed_by.is_not(None)) == 0

    delivered = [int(mail["X-Portal-Message"]) for mail in smtp.parsed()]
    delivered = [message_id for message_id in delivered if message_id in ids]
    assert set(delivered) == ids  # none lost
    twice = {message_id for message_id in ids if delivered.count(message_id) > 1}
    # Exactly once, except the one message the killed worker may have handed to the mail server
    # without living to mark it sent: that one goes again once its claim runs out (SMTP gives
    # at-least-once at a crash); never more than one, and only one the victim held.
    assert len(twice) <= 1 and twice <= stranded, (twice, stranded)
    assert len(delivered) == MESSAGES + len(twice)


def test_readyz_answers_503_while_the_database_refuses_connections(topology):
    one, two = topology.web
    assert requests.get(f"{one}/readyz", timeout=10).status_code == 200
    name = sa.make_url(topology.database_url).database
    admin = sa.create_engine(os.environ["PORTAL_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        for base in (one, two):
            answer = requests.get(f"{base}/readyz", timeout=10)
            assert answer.status_code == 503
            assert answer.json()["checks"]["database"] == "unreachable"
        assert requests.get(f"{one}/healthz", timeout=10).status_code == 200  # still alive
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
    _wait(
        lambda: requests.get(f"{one}/readyz", timeout=10).status_code == 200,
        15,
        "/readyz to recover once the database takes connections again",
    )
