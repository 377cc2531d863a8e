"""/healthz answers while the process is up; /readyz names what keeps the portal from serving."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from portal.database import now_utc
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.operations.models import Worker
from tests.conftest import make_app
from tests.factories import advocate_with_login
from tests.queries import QueryCounter

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
OLDER_REVISION = "c7d06e9b1c87"  # page speed: any revision before the head will do


def add_worker(db, seen_ago: dt.timedelta, *, stopped: bool = False) -> None:
    seen = now_utc() - seen_ago
    db.session.add(
        Worker(
            id=f"host:{seen_ago.total_seconds():.0f}:{stopped}",
            hostname="host",
            pid=4242,
            started_at=seen - dt.timedelta(hours=1),
            seen_at=seen,
            stopped_at=seen if stopped else None,
        )
    )
    db.session.commit()


def head() -> str:
    """The migration scripts' head, read here the way Alembic reads it."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_healthz_answers_ok_and_touches_no_database(app, client):
    with app.app_context(), QueryCounter(_db.engine) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert queries.count == 0


def test_healthz_answers_while_the_database_is_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'portal.sqlite'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_probes_are_exempt_from_the_consent_gate(db, client, auth):
    _, user = advocate_with_login(consent_at=None, consent_version=None)
    db.session.commit()
    auth.login(user.email)
    assert client.get("/home").status_code == 302  # the gate is on for this advocate
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)  # answered, not sent to the terms


def test_probes_are_exempt_from_rate_limits(app_factory, monkeypatch):
    # The limiter is one object for every app: the app-wide limit this test sets must go after.
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [])
    app = app_factory(RATELIMIT_APPLICATION="3 per minute")
    client = app.test_client()
    assert [client.get("/auth/sign-in").status_code for _ in range(4)][-1] == 429
    assert {client.get("/healthz").status_code for _ in range(6)} == {200}


def test_readyz_is_ready_with_a_migrated_database_and_a_fresh_worker(db, client):
    add_worker(db, dt.timedelta(seconds=30))
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_a_stale_worker(db, client):
    add_worker(db, dt.timedelta(minutes=15, seconds=20))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unready"
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "worker": "none seen for 15 min",
    }


def test_readyz_without_any_running_worker(db, client):
    add_worker(db, dt.timedelta(seconds=5), stopped=True)  # stopped cleanly: not running
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["worker"] == "none seen"


def test_readyz_worker_window_follows_the_configuration(db, app_factory):
    add_worker(db, dt.timedelta(minutes=15, seconds=20))
    assert app_factory(READY_WORKER_SECONDS=3600).test_client().get("/readyz").status_code == 200


def test_readyz_worker_check_can_be_switched_off(app_factory):
    response = app_factory(READY_WORKER_SECONDS=0).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "worker": "off"}


def test_readyz_names_migrations_behind_the_head(empty_database_url):
    app = make_app(empty_database_url, READY_WORKER_SECONDS=0)
    client = app.test_client()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {
            "database": "ok",
            "migrations": f"behind: no migrations applied, head {head()}",
            "worker": "off",
        }
        with app.app_context():
            upgrade(revision=OLDER_REVISION)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "unready",
            "checks": {
                "database": "ok",
                "migrations": f"behind: at {OLDER_REVISION}, head {head()}",
                "worker": "off",
            },
        }
        with app.app_context():
            upgrade()
        assert client.get("/readyz").status_code == 200
    finally:
        with app.app_context():
            _db.engine.dispose()
        app.extensions["portal.readyz_engine"].dispose()


def test_readyz_names_a_revision_this_code_does_not_know(empty_database_url):
    app = make_app(empty_database_url, READY_WORKER_SECONDS=0)
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('fffffffffff0')"))
    engine.dispose()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == (
        f"unknown revision: at fffffffffff0, head {head()}"
    )
    app.extensions["portal.readyz_engine"].dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:9/portal",  # nothing listens on port 9
        "sqlite:///{tmp}/missing-folder/portal.sqlite",
    ],
)
def test_readyz_answers_503_quickly_when_the_database_is_down(tmp_path, url):
    app = make_app(url.format(tmp=tmp_path))
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unready",
        "checks": {
            "database": "unreachable",
            "migrations": "not checked: database unreachable",
            "worker": "not checked: database unreachable",
        },
    }


def test_readyz_answers_in_words_when_a_check_breaks(db, client, monkeypatch):
    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr("portal.operations.service.last_worker_seen", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["worker"] == "error: could not read the workers"
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
