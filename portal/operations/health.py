"""Health checks for the orchestrator: /healthz (the process answers) and /readyz (it can serve:
the database answers, is at the migrations' head, and a worker was seen lately).

Both are public, touch no session or form, and are exempt from rate limits and the consent gate.
A failing check is named in the body, in words; details go to the log, never to the caller.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.database import now_utc
from portal.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

OK = "ok"
OFF = "off"  # a check switched off by configuration passes
NOT_CHECKED = "not checked: database unreachable"
_ENGINE_KEY = "portal.readyz_engine"


@bp.get("/healthz")
def healthz():
    """The process is up and answering: nothing else is looked at."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    """200 when every check passes, else 503 naming each check's state."""
    checks = readiness()
    ready = all(state in (OK, OFF) for state in checks.values())
    response = jsonify(status="ready" if ready else "unready", checks=checks)
    response.status_code = 200 if ready else 503
    return _no_store(response)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness() -> dict[str, str]:
    """{check: "ok" | "off" | what is wrong} for database, migrations and worker."""
    checks = {"database": NOT_CHECKED, "migrations": NOT_CHECKED, "worker": NOT_CHECKED}
    try:
        with _check_engine().connect() as conn:
            if conn.dialect.name == "postgresql":
                timeout_ms = str(int(current_app.config["READY_DATABASE_TIMEOUT"] * 1000))
                conn.execute(
                    sa.text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": timeout_ms}
                )
            conn.execute(sa.text("SELECT 1"))
            checks["database"] = OK
            checks["migrations"] = migrations_state(conn)
    except SQLAlchemyError as error:
        log.warning("readyz: database check failed: %s", getattr(error, "orig", None) or error)
        if checks["database"] == OK:
            checks["migrations"] = "error: could not read the migration state"
        else:
            checks["database"] = "unreachable"
            return checks
    checks["worker"] = worker_state()
    return checks


def _check_engine() -> sa.Engine:
    """An engine of its own for the check, per app: no pool (a probe sees the database as it is
    now) and a short connect timeout, so a database that is down answers 503 quickly."""
    engine = current_app.extensions.get(_ENGINE_KEY)
    if engine is None:
        url = db.engine.url
        timeout = current_app.config["READY_DATABASE_TIMEOUT"]
        if url.get_backend_name() == "postgresql":
            connect_args = {"connect_timeout": max(int(timeout), 1)}
        else:
            connect_args = {"timeout": timeout}
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
        current_app.extensions[_ENGINE_KEY] = engine
    return engine


@functools.cache
def _script_revisions(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every known revision) of the migration scripts, read once per process."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    script = ScriptDirectory.from_config(config)
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def migration_heads() -> tuple[frozenset[str], frozenset[str]]:
    return _script_revisions(current_app.extensions["migrate"].directory)


def migrations_state(conn: sa.Connection) -> str:
    """ "ok" when the database is at the scripts' head, else where it is."""
    try:
        heads, known = migration_heads()
    except CommandError as error:
        log.warning("readyz: cannot read the migration scripts: %s", error)
        return "error: cannot read the migration scripts"
    head = ", ".join(sorted(heads))
    if not sa.inspect(conn).has_table("alembic_version"):
        return f"behind: no migrations applied, head {head}"
    current = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    if current == heads:
        return OK
    at = ", ".join(sorted(current)) or "none"
    if current - known:
        # A database migrated by newer code than this process runs.
        return f"unknown revision: at {at}, head {head}"
    return f"behind: at {at}, head {head}"


def worker_state() -> str:
    """ "ok" when a worker sent a heartbeat within READY_WORKER_SECONDS ("off" when 0)."""
    limit = current_app.config["READY_WORKER_SECONDS"]
    if not limit:
        return OFF
    try:
        from portal.operations.service import last_worker_seen

        seen = last_worker_seen()
    except Exception:  # a probe answers in words, whatever broke; the log has the traceback
        db.session.rollback()
        log.exception("readyz: worker check failed")
        return "error: could not read the workers"
    if seen is None:
        return "none seen"
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=dt.UTC)
    age = (now_utc() - seen).total_seconds()
    if age > limit:
        return f"none seen for {_spoken(age)}"
    return OK


def _spoken(seconds: float) -> str:
    """A duration as a person says it: 45 s, 15 min, 3 h, 2 days."""
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 120 * 60:
        return f"{int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"
