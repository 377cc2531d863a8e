"""Counting the SQL statements a block of code runs, for tests that pin a number or a bound.

On PostgreSQL SQLAlchemy sends the rows a flush inserts into one table as one statement
("insertmanyvalues"); on SQLite it sends one INSERT per row, because SQLite does not promise
to return the new ids in the order of the rows. So a run that writes one row per item has a
fixed number of statements on PostgreSQL, and a fixed number of reads (`reads`) on both.
"""

from __future__ import annotations

import sqlalchemy as sa


class QueryCounter:
    """Records the statements sent to `engine` inside a `with` block (a batched insert once)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)

    @property
    def reads(self) -> list[str]:
        """Every statement but the inserts (see the module's note)."""
        return [s for s in self.statements if not s.lstrip().upper().startswith("INSERT")]


class BoundValues:
    """Records how many values each statement sent to `engine` inside a `with` block binds
    (inserts and batched statements aside: the bulk writes bound their own batches).
    PostgreSQL refuses a statement with more than 65,535 bound values."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.sizes: list[int] = []

    def __enter__(self) -> BoundValues:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not executemany and not statement.lstrip().upper().startswith("INSERT"):
            self.sizes.append(len(parameters or ()))

    @property
    def widest(self) -> int:
        return max(self.sizes, default=0)


WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(statements: list[str]) -> list[str]:
    """The statements that change rows (INSERT, UPDATE, DELETE), each as its first line."""
    return [s.strip().splitlines()[0] for s in statements if s.lstrip().upper().startswith(WRITES)]
