"""/metrics: Prometheus text for the holder of the metrics token only; request counts by endpoint,
the outbox and the job runs read from the database; one sum over several gunicorn workers."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from gunicorn import config as gunicorn_config
from prometheus_client.parser import text_string_to_metric_families

from portal.database import now_utc
from portal.notifications.models import OutboxMessage
from portal.operations.models import JobRun

TOKEN = "metrics-token-for-tests"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scraper(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    return app.test_client()


def scrape(client) -> dict:
    """{(sample name, frozenset of labels): value} of one scrape."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    return samples(response.get_data(as_text=True))


def samples(text: str) -> dict:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_counted(values: dict, endpoint: str, status: str = "200", method="GET") -> float:
    labels = frozenset({"method": method, "endpoint": endpoint, "status": status}.items())
    return values.get(("portal_http_requests_total", labels), 0)


def test_metrics_are_not_found_while_no_token_is_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"],
)
def test_metrics_refuse_a_missing_or_wrong_token_with_401(scraper, header):
    headers = {"Authorization": header} if header else {}
    response = scraper.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert b"portal_http_requests" not in response.data


def test_metrics_with_the_token_are_prometheus_text_with_every_metric(scraper):
    scraper.get("/healthz")
    response = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "portal_http_requests",
        "portal_http_request_duration_seconds",
        "portal_outbox_queued_messages",
        "portal_outbox_oldest_queued_age_seconds",
        "portal_metrics_database_up",
    } <= names
    values = samples(response.text)
    assert values[("portal_metrics_database_up", frozenset())] == 1


def test_request_counts_go_up_by_endpoint_name_not_path(scraper):
    before = scrape(scraper)
    for _ in range(3):
        scraper.get("/healthz")
    scraper.get("/no-such-page/12345")
    after = scrape(scraper)
    assert (
        requests_counted(after, "health.healthz") == requests_counted(before, "health.healthz") + 3
    )
    assert (
        requests_counted(after, "unmatched", "404")
        == requests_counted(before, "unmatched", "404") + 1
    )
    labels = frozenset({"method": "GET", "endpoint": "health.healthz", "status": "200"}.items())
    hist = {"le": "+Inf", "method": "GET", "endpoint": "health.healthz", "status": "200"}
    assert after[("portal_http_request_duration_seconds_count", labels)] >= 3
    assert ("portal_http_request_duration_seconds_bucket", frozenset(hist.items())) in after
    assert not any("12345" in str(key) for key in after)  # raw paths never become labels


def test_outbox_depth_and_age_of_the_oldest_queued_message(db, scraper):
    empty = scrape(scraper)
    assert empty[("portal_outbox_queued_messages", frozenset())] == 0
    assert empty[("portal_outbox_oldest_queued_age_seconds", frozenset())] == 0
    hour_ago = now_utc() - dt.timedelta(hours=1)
    for status, created in [
        ("queued", hour_ago),
        ("queued", now_utc()),
        ("sent", hour_ago - dt.timedelta(days=1)),
        ("failed", hour_ago - dt.timedelta(days=2)),
    ]:
        db.session.add(
            OutboxMessage(
                template="test",
                recipient="ada@example.com",
                subject="Hello",
                body_text="Hello",
                status=status,
                created_at=created,
            )
        )
    db.session.commit()
    values = scrape(scraper)
    assert values[("portal_outbox_queued_messages", frozenset())] == 2
    assert 3600 <= values[("portal_outbox_oldest_queued_age_seconds", frozenset())] < 3700


def test_job_runs_and_failures_by_job(db, scraper):
    finished = now_utc() - dt.timedelta(minutes=5)
    for job, status in [
        ("send_digests", "succeeded"),
        ("send_digests", "failed"),
        ("send_digests", "failed"),
        ("expire_asks", "running"),
    ]:
        db.session.add(
            JobRun(
                job=job,
                worker_id="host:1",
                status=status,
                started_at=finished - dt.timedelta(seconds=3),
                finished_at=None if status == "running" else finished,
            )
        )
    db.session.commit()
    values = scrape(scraper)
    digests, expiry = frozenset({("job", "send_digests")}), frozenset({("job", "expire_asks")})
    assert values[("portal_job_runs_total", digests)] == 3
    assert values[("portal_job_failures_total", digests)] == 2
    assert values[("portal_job_runs_total", expiry)] == 1
    assert values[("portal_job_failures_total", expiry)] == 0
    last = values[("portal_job_last_success_timestamp_seconds", digests)]
    assert abs(last - finished.timestamp()) < 1
    assert ("portal_job_last_success_timestamp_seconds", expiry) not in values


def test_metrics_say_when_the_database_cannot_be_read(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite'}", METRICS_TOKEN=TOKEN)
    values = scrape(app.test_client())
    assert values[("portal_metrics_database_up", frozenset())] == 0
    assert ("portal_outbox_queued_messages", frozenset()) not in values


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_several_gunicorn_workers_report_one_sum_in_multiprocess_mode(
    database_url, baseline, tmp_path
):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "test-secret-key-not-for-production",
        "PORTAL_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    # --preload: the app is built once, before the fork, so both workers answer from the start.
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "--preload"]
    if hasattr(gunicorn_config, "ControlSocket"):  # gunicorn 25.1+: no socket in $HOME for a test
        gunicorn.append("--no-control-socket")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*gunicorn, "-b", f"127.0.0.1:{port}", "portal:create_app()"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        # Concurrent clients, so that both (one-request-at-a-time) workers serve some.
        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=10), range(60)))
        assert {response.status_code for response in codes} == {200}
        totals = set()
        for _ in range(6):
            text = requests.get(
                f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
            ).text
            totals.add(requests_counted(samples(text), "health.healthz"))
        assert totals == {61}  # every worker's count, whichever worker answered the scrape
        assert len(list(metrics_dir.glob("counter_*.db"))) == 2  # both workers counted
    finally:
        server.terminate()
        server.wait(timeout=30)
