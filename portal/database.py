"""Declarative base, column types and mixins shared by every domain's models."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.sql.functions import GenericFunction

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class least(GenericFunction):  # noqa: N801 (named as the SQL function)
    """The smallest of its arguments: LEAST on PostgreSQL, the many-argument min() on SQLite."""

    type = sa.Integer()
    inherit_cache = True


class greatest(GenericFunction):  # noqa: N801 (named as the SQL function)
    """The largest of its arguments: GREATEST on PostgreSQL, the many-argument max() on
    SQLite."""

    type = sa.Integer()
    inherit_cache = True


@compiles(least, "sqlite")
def _least_on_sqlite(element, compiler, **kw) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_on_sqlite(element, compiler, **kw) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


ID_DIGITS = 9  # ids fit an INTEGER column: a longer number names no row


def parse_id(text) -> int | None:
    """A record's id from text such as '42', else None: digits only, and few enough to name a
    row at all (SQLite can't even bind a number past 2**63: a URL or form with one must not
    fail)."""
    if isinstance(text, str) and text.isdigit() and len(text) <= ID_DIGITS:
        return int(text)
    return None


def chunks(items: Sequence, size: int = 1000) -> Iterator[Sequence]:
    """`items` in slices of at most `size`: a list of ids or keys bound in one statement stays
    far below what a database takes (PostgreSQL refuses more than 65,535 bound values)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def where_text(query: sa.Select, text: str | None, columns) -> sa.Select:
    """`query` narrowed to rows where one of `columns` contains `text` (any case; % and _ are
    letters of the search, not wildcards); unchanged without text."""
    text = (text or "").strip()
    if not text:
        return query
    return query.where(sa.or_(*(column.icontains(text, autoescape=True) for column in columns)))


def where_equal(query: sa.Select, pairs) -> sa.Select:
    """`query` narrowed by each (column, value) pair whose value is given (not None or empty)."""
    for column, value in pairs:
        if value is not None and value != "":
            query = query.where(column == value)
    return query


def without_jit(connection) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. Its planner guesses the
    cost of a statement that groups by computed values far too high (millions of rows for tens
    of thousands) and then spends longer compiling it than running it."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SET LOCAL jit = off"))


def sort_in_memory(connection, megabytes: int = 32) -> None:
    """PostgreSQL: let each sort and hash of the rest of this transaction take `megabytes` of
    memory (the server's default, 4 MB, writes a statement grouping 100,000 advocates to disk)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))


def enum_column(*values: str, name: str) -> sa.Enum:
    """A string enum stored as VARCHAR with a CHECK constraint, the same on every database."""
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime},
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def enable_sqlite_pragmas(engine: sa.Engine) -> None:
    """SQLite enforces foreign keys only when asked, per connection. Installed once per engine,
    however many apps share it."""
    if engine.dialect.name == "sqlite" and not sa.event.contains(
        engine, "connect", _sqlite_pragmas
    ):
        sa.event.listen(engine, "connect", _sqlite_pragmas)


def refresh_statistics() -> None:
    """ANALYZE after a bulk load, so the query planner knows the tables' new sizes (SQLite
    keeps none until asked; PostgreSQL's autovacuum would catch up only later)."""
    from portal.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


def lock_row(model, row_id: int, *, refresh=None) -> None:
    """Serialize the writers of one row until the transaction ends: the one row lock of the
    portal (a decision, a claim, a use or an answer checks the row's state after taking it).

    PostgreSQL: `SELECT ... FOR UPDATE`. SQLite has no row locks: a no-op UPDATE takes the
    database's write lock, so a second writer waits for the first to commit before it reads.
    The no-op names `updated_at` too, so the row's `onupdate` does not fire (taking a lock is
    no edit). `refresh`, an instance of the row, is then read again as the lock found it.
    """
    from portal.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(model.id).where(model.id == row_id).with_for_update())
    else:
        values = {"id": model.id}
        if "updated_at" in model.__table__.c:
            values["updated_at"] = model.updated_at
        db.session.execute(
            sa.update(model)
            .where(model.id == row_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if refresh is not None:
        db.session.refresh(refresh)


@functools.cache
def _forgetter(pending_key: str):
    def forget(session, *args) -> None:
        session.info.pop(pending_key, None)

    return forget


def listen_to_flushes(pending_key: str, collect, apply) -> None:
    """Keep derived rows current from one place: a hook on the application's session.

    `collect(session, flush_context, instances)` notes what a flush is about to change under
    `session.info[pending_key]`; `apply(session, flush_context)` recomputes it after the flush,
    in the same transaction; a rollback forgets what was noted. Installed once, however often
    this is called.
    """
    from portal.extensions import db

    for name, fn in (
        ("before_flush", collect),
        ("after_flush_postexec", apply),
        ("after_soft_rollback", _forgetter(pending_key)),
    ):
        if not sa.event.contains(db.session, name, fn):
            sa.event.listen(db.session, name, fn)


def aware_utc(value) -> dt.datetime | None:
    """A datetime read back from an aggregate (SQLite hands those back untyped) as aware UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
