"""Fixtures: a real database per test run (SQLite, or PostgreSQL via PORTAL_TEST_DATABASE_URL),
migrated once with the real migrations, and emptied after every test."""

from __future__ import annotations

import contextlib
import functools
import os
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from werkzeug.routing import Rule

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from tests.helpers import match_rows_differ

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
        # A test database need not survive a power cut: commits stop waiting for the disk.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        # Nor compile a test's few-row queries to machine code when the planner overestimates.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET jit = off'))
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


def _share_url_builders() -> None:
    """Build each URL rule's builder once per run, not once per app.

    Werkzeug compiles two small Python functions for every rule when an app registers it:
    about 65 ms for the portal's 220 rules, and every test builds an app. A builder depends
    only on the rule's text, its defaults and whether unknown arguments are appended (it
    reads the rule's converters through its bound `self`), so one compiled function serves
    every app's copy of the same rule.
    """
    compile_builder = Rule._compile_builder

    @functools.wraps(compile_builder)
    def shared(rule: Rule, append_unknown: bool = True):
        key = (
            rule.rule,
            tuple(rule._trace),
            repr(sorted((rule.defaults or {}).items())),
            append_unknown,
        )
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    built: dict = {}
    Rule._compile_builder = shared


_share_url_builders()


def _share_parsed_rules() -> None:
    """Parse each URL rule's text once per run, not once per app.

    Parsing the portal's 300 rules into the parts the router matches, and adding those parts
    to the router's tree, was about 45 ms of every test (each test builds an app). A rule's
    parts depend only on its text, its map's converters and slash merging: every app's copy of
    the same rule gets the same parts (immutable) and the same converter objects (stateless),
    and the router's tree recognises a shared part by identity before comparing it field by
    field.
    """
    from werkzeug.routing.matcher import State, StateMachineMatcher

    def compile_rule(rule: Rule) -> None:
        domain = (rule.host if rule.map.host_matching else rule.subdomain) or ""
        key = (
            rule.rule,
            domain,
            rule.merge_slashes,
            rule.map.host_matching,
            converters_key(rule.map),
        )
        if key not in parsed:
            parse_rule(rule)
            parsed[key] = (rule._parts, rule._trace, rule._converters)
            return
        parts, trace, converters = parsed[key]
        rule._parts, rule._trace, rule._converters = parts, list(trace), dict(converters)
        rule.arguments.update(converters)
        rule._build = rule._compile_builder(False).__get__(rule, None)
        rule._build_unknown = rule._compile_builder(True).__get__(rule, None)

    def converters_key(url_map) -> tuple:
        if "_shared_converters_key" not in url_map.__dict__:
            url_map._shared_converters_key = tuple(sorted(url_map.converters.items()))
        return url_map._shared_converters_key

    def add(matcher: StateMachineMatcher, rule: Rule) -> None:
        state = matcher._root
        for part in rule._parts:
            if part.static:
                following = state.static.get(part.content)
                if following is None:
                    following = state.static[part.content] = State()
                state = following
                continue
            for test_part, new_state in state.dynamic:
                if test_part is part or test_part == part:
                    state = new_state
                    break
            else:
                new_state = State()
                state.dynamic.append((part, new_state))
                state = new_state
        state.rules.append(rule)

    parse_rule = Rule.compile
    parsed: dict = {}
    Rule.compile = compile_rule
    StateMachineMatcher.add = add


_share_parsed_rules()


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run: every test's new app would otherwise
    compile each template it renders again. Jinja checks each entry against the template's
    source, so an edited template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def _share_engines() -> None:
    """One engine per database URL and options for the whole run, not one per app.

    Every test builds an app, and each app's new engine would start with an empty cache of
    compiled statements (compiling them again is about a tenth of a test's time) and, on
    PostgreSQL, open new server connections whose catalog caches start cold. The pool keeps
    its connections between tests; each test still ends with its session removed and the
    tables emptied (`app_factory`).
    """
    make_engine = SQLAlchemy._make_engine

    @functools.wraps(make_engine)
    def shared(self, bind_key, options, app):
        key = (bind_key, repr(sorted(options.items(), key=lambda item: item[0])))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    engines: dict = {}
    SQLAlchemy._make_engine = shared


_share_engines()


def make_app(database_url, **overrides):
    config = {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    app = create_app(config, config_class=TestConfig)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
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


@functools.cache
def _reset_sql() -> tuple[list[str], str, str, str]:
    """The reset's statements as SQL text, built once: compiling them anew for every test's
    new engine would cost more than running them."""
    # The names are the portal's own tables, never input: text SQL is safe here.
    names = [t.name for t in _db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    holding = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # noqa: S608
        for name in names
    )
    serials = [
        t.name
        for t in _db.metadata.sorted_tables
        if t.name in names and "id" in t.c and isinstance(t.c.id.type, sa.Integer)
    ]  # (workers.id is a string: no sequence)
    restart = "SELECT " + ", ".join(  # noqa: S608
        f"setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
        f'coalesce((SELECT max(id) FROM "{name}"), 0) + 1, false)'
        for name in serials
    )
    return names, holding, restart, 'DELETE FROM "{}"'


def reset_database(snapshot) -> None:
    """Empty every table and put back what the migrations inserted.

    Only the tables that hold rows are emptied, with DELETE: on PostgreSQL a TRUNCATE of every
    table costs about 100 ms a test (new files for each table and index), DELETE of the few
    tables a test wrote about 10 ms. Sequences then restart after the highest id, as new.
    """
    names, holding, restart, delete = _reset_sql()
    with _db.engine.begin() as conn:
        written = set(conn.execute(sa.text(holding)).scalars())
        for name in reversed(names):
            if name in written:
                conn.execute(sa.text(delete.format(name)))
        for name, rows in snapshot.items():
            conn.execute(_db.metadata.tables[name].insert(), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(restart))  # one round trip for every sequence


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


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def db(app):
    """The database, with an application context pushed."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        assert not match_rows_differ(), "a match row differs from its eligibility row"


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


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) in the test process."""
    from tests.notifications.servers import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app_factory, smtp):
    """The portal delivering to `smtp`, its links on http://portal.test."""
    app = app_factory(
        BASE_URL="http://portal.test",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        SMTP_TIMEOUT=5,
        MAIL_FROM="Reference Team <refs@portal.test>",
    )
    with app.app_context():
        yield app
        _db.session.rollback()
