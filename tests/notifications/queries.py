"""Counting the SQL statements a block of code runs, for tests that pin a fixed number.

On PostgreSQL SQLAlchemy sends the rows a flush inserts into one table as one statement
("insertmanyvalues"); on SQLite it sends one INSERT per row, because SQLite does not promise
to return the new ids in the order of the rows. So a run that writes one row per item has a
fixed number of statements on PostgreSQL, and a fixed number of reads (`reads`) on both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """The statements sent to `engine` inside the block (a batched insert counts once)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def reads(seen: list[str]) -> list[str]:
    """Every statement but the inserts (see the module's note)."""
    return [s for s in seen if not s.lstrip().upper().startswith("INSERT")]
