"""Fixtures: a real database per test run (SQLite, or PostgreSQL via PORTAL_TEST_DATABASE_URL),
migrated once with the real migrations, and emptied after every test."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db

PASSWORD = "correct horse battery"
KEEP_TABLES = {"alembic_version"}


def is_postgres() -> bool:
    return bool(os.environ.get("PORTAL_TEST_DATABASE_URL"))


@contextlib.contextmanager
def new_database(folder):
    """A new, empty database: a PostgreSQL database of its own, or a SQLite file in `folder`."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{folder / f'portal-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """This run's database, so runs never collide (CI and a developer's run alike)."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of this test's own, with no schema at all."""
    with new_database(tmp_path) as url:
        yield url


class RequestInOwnContextClient(FlaskClient):
    """Run every request in an app context of its own, as in production.

    Without this a request would reuse the test's app context, sharing `g` (Flask-Login's
    cached user) and the database session between requests and clients.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database_url, **overrides):
    config = {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    app = create_app(config, config_class=TestConfig)
    app.test_client_class = RequestInOwnContextClient
    return app


@pytest.fixture(scope="session")
def baseline(database_url, tmp_path_factory):
    """Migrate the empty database to head once; remember the rows migrations insert."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        snapshot = {}
        for table in _db.metadata.sorted_tables:
            rows = _db.session.execute(sa.select(table)).mappings().all()
            if rows:
                snapshot[table.name] = [dict(row) for row in rows]
        _db.session.remove()
        _db.engine.dispose()
    return snapshot


def reset_database(snapshot) -> None:
    """Empty every table and put back what the migrations inserted."""
    tables = [t for t in _db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
        for table in tables:
            if table.name in snapshot:
                conn.execute(table.insert(), snapshot[table.name])
                if conn.dialect.name == "postgresql" and "id" in table.c:
                    # The seeded rows came back with their ids: new rows number after them.
                    sequence = sa.func.pg_get_serial_sequence(table.name, "id")
                    highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
                    conn.execute(sa.select(sa.func.setval(sequence, highest)))


@pytest.fixture
def app_factory(database_url, baseline):
    """Build apps on the test database (for tests that need their own configuration)."""
    apps = []

    def factory(**overrides):
        app = make_app(database_url, **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            _db.session.remove()
            reset_database(baseline)
            _db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def db(app):
    """The database, with an application context pushed."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD, follow_redirects=False):
        return self._client.post(
            "/auth/sign-in",
            data={"email": email, "password": password},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        return self._client.post("/auth/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)
