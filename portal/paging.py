"""Pages whose rows and total come back from one statement."""

from __future__ import annotations

from abc import ABC, abstractmethod

from flask_sqlalchemy.pagination import Pagination


class OneStatementPage(Pagination, ABC):
    """A page of rows read together with the whole result's count: each row carries it as
    `total` (a window count), so a page costs one statement. Past the last page no row carries
    the total, and `count()` counts once.

    Subclasses answer `rows(limit, offset)` and `count()`; the keyword arguments given to the
    constructor beyond Pagination's own are in `self._query_args`.
    """

    _found: int | None = None

    @abstractmethod
    def rows(self, limit: int, offset: int) -> list:
        """The page's rows, each with the whole result's count as `total`."""

    @abstractmethod
    def count(self) -> int:
        """The whole result's count, asked only past the last page."""

    def _query_items(self) -> list:
        rows = self.rows(self.per_page, self._query_offset)
        self._found = int(rows[0].total) if rows else None
        return rows

    def _query_count(self) -> int:
        if self._found is not None:
            return self._found
        if self.page == 1:
            return 0
        return self.count()
