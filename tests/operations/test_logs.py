"""Request ids (header, error pages, audit rows) and the logs: one line per request, JSON on
request, tracebacks logged with the request's id and never shown."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from gunicorn import config as gunicorn_config

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from tests.conftest import PASSWORD, make_app
from tests.factories import AccountFactory, UserFactory
from tests.operations.test_metrics import free_port

ROOT = Path(__file__).resolve().parents[2]

HEX_ID = re.compile(r"[0-9a-f]{32}")


def json_lines(err: str) -> list[dict]:
    """Every line written to stderr, each parsed as JSON (a line that is not JSON fails)."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "portal.request"]


def test_every_response_carries_a_new_request_id(client):
    first, second = client.get("/healthz"), client.get("/no-such-page")
    assert HEX_ID.fullmatch(first.headers["X-Request-ID"])
    assert HEX_ID.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming", ["0f1e2d3c4b5a69788796a5b4c3d2e1f0", "req-7e5f:9b.1_A", "a" * 128]
)
def test_a_well_formed_request_id_from_the_proxy_is_kept(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming", ["short", "a" * 129, "has space in it", "semi;colon-123", "-leading-dash", ""]
)
def test_a_malformed_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


def test_the_request_id_is_stored_on_the_audit_events_of_the_request(db, client):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    response = client.post(
        "/auth/sign-in",
        data={"email": "mia@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "sign-in-0001"},
    )
    assert response.status_code == 302
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.signed_in").order_by(AuditEvent.id)
    ).one()
    assert event.actor_id == user.id
    assert event.request_id == "sign-in-0001"


def test_the_audit_log_finds_what_one_request_changed(db, client, auth):
    UserFactory(role="admin", email="root@example.com")
    UserFactory(email="mia@example.com")
    db.session.commit()
    for key in ("sign-in-0001", "sign-in-0002"):
        client.post(
            "/auth/sign-in",
            data={"email": "mia@example.com", "password": PASSWORD},
            headers={"X-Request-ID": key},
        )
        client.post("/auth/sign-out")
    auth.login("root@example.com")
    page = client.get("/admin/audit/?request=sign-in-0002").get_data(as_text=True)
    assert page.count("user.signed_in</code>") == 1
    assert 'href="/admin/audit/?request=sign-in-0002"' in page
    assert "user.signed_in</code>" not in client.get(
        "/admin/audit/?request=no-such-request"
    ).get_data(as_text=True)
    refused = client.get("/admin/audit/?request=" + "a" * 129)
    assert refused.status_code == 200
    assert (
        "“Request reference” was not applied: it is longer than 128 characters"
        in refused.get_data(as_text=True)
    )


def test_audit_events_outside_a_request_have_no_request_id(db):
    account = AccountFactory()
    event = audit.record(None, "account.created", account)
    db.session.commit()
    assert db.session.get(AuditEvent, event.id).request_id is None


def test_json_logs_one_parseable_line_per_request_with_its_id(app_factory, capsys):
    client = app_factory(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    response = client.get("/healthz?token=s3cret-in-query", headers={"X-Request-ID": "probe-0042"})
    assert response.status_code == 200
    err = capsys.readouterr().err
    [line] = request_lines(json_lines(err))
    assert line["request_id"] == "probe-0042"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] is None
    assert "s3cret" not in err  # the query string may carry secrets: never logged


def test_the_request_line_names_the_signed_in_user(app_factory, capsys):
    app = app_factory(LOG_FORMAT="json")
    client = app.test_client()
    with app.app_context():
        from portal.extensions import db

        user = UserFactory(email="lea@example.com", role="manager")
        db.session.commit()
        user_id = user.id
    client.post("/auth/sign-in", data={"email": "lea@example.com", "password": PASSWORD})
    capsys.readouterr()
    assert client.get("/home").status_code == 200
    [line] = request_lines(json_lines(capsys.readouterr().err))
    assert (line["path"], line["user_id"]) == ("/home", user_id)


def test_plain_text_logs_by_default_carry_the_request_id(client, capsys):
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "plain-0001"})
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "portal.request" in line]
    assert re.search(r" INFO portal\.request \[plain-0001\] GET /healthz 200 [\d.]+ ms$", line)


def test_an_unknown_log_format_is_refused_at_start(database_url):
    with pytest.raises(ValueError, match="PORTAL_LOG_FORMAT"):
        make_app(database_url, LOG_FORMAT="yaml")


def boom_app(app_factory, **config):
    app = app_factory(PROPAGATE_EXCEPTIONS=False, LOG_FORMAT="json", **config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput: internal detail")

    return app


def test_an_unhandled_error_logs_the_traceback_with_the_id_and_shows_only_the_reference(
    app_factory, capsys
):
    client = boom_app(app_factory).test_client()
    capsys.readouterr()
    response = client.get("/boom", headers={"X-Request-ID": "boom-00000001"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "Reference: <code>boom-00000001</code>" in page
    assert "kaput" not in page and "Traceback" not in page
    assert response.headers["X-Request-ID"] == "boom-00000001"
    lines = json_lines(capsys.readouterr().err)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "boom-00000001"
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: kaput: internal detail" in error["exception"]
    [line] = request_lines(lines)
    assert (line["status"], line["request_id"]) == (500, "boom-00000001")


def test_json_clients_get_the_id_in_the_header_and_the_error_shape_unchanged(app_factory):
    client = boom_app(app_factory).test_client()
    response = client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])
    api = client.get("/api/v1/accounts", headers={"X-Request-ID": "api-call-0001"})
    assert api.status_code == 401
    assert api.headers["X-Request-ID"] == "api-call-0001"
    assert set(api.get_json()["error"]) == {"code", "message"}


def test_error_pages_show_the_reference(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "lost-00000001"})
    assert response.status_code == 404
    assert "Reference: <code>lost-00000001</code>" in response.get_data(as_text=True)


def test_the_error_page_still_gives_the_reference_when_the_layout_cannot_render(tmp_path, capsys):
    app = make_app(
        f"sqlite:///{tmp_path / 'missing' / 'x.sqlite'}",
        PROPAGATE_EXCEPTIONS=False,
        LOG_FORMAT="json",
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    @app.context_processor
    def layout_needs_the_database():
        raise RuntimeError("the layout failed too")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "down-00000001"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong on our side" in text
    assert "Reference: down-00000001" in text
    assert "Traceback" not in text and "kaput" not in text
    logged = json_lines(capsys.readouterr().err)
    assert all(line["request_id"] == "down-00000001" for line in logged if line["level"] == "ERROR")
    assert len([line for line in logged if line["level"] == "ERROR"]) == 2


def test_under_gunicorn_with_json_logs_every_line_of_the_process_is_json(
    database_url, baseline, tmp_path
):
    """gunicorn.conf.py hands gunicorn's own lines (booting, signals) to the portal's JSON
    formatter, keeps its access log off, and the portal's request line appears once."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "test-secret-key-not-for-production",
        "PORTAL_LOG_FORMAT": "json",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    if hasattr(gunicorn_config, "ControlSocket"):
        command.append("--no-control-socket")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*command, "portal:create_app()"],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/healthz",
                    headers={"X-Request-ID": "probe-gunicorn-01"},
                    timeout=30,
                )
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = json_lines(log.read_text())
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # its own, as JSON
    assert [line["request_id"] for line in request_lines(lines)] == ["probe-gunicorn-01"]
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]
