"""How a match finds its top rows without ranking every advocate (`ranked`): it reads those with
the most points first, and bounds what everyone else could score (`Bound`). Exact: the rows
are those ranking everyone gives, ties and their order included. `portal.asks.matching` builds
the statement and the bound; this module knows only points and scores."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.asks.models import MatchRow
from portal.extensions import db


@dataclass(frozen=True)
class Bound:
    """What bounds a ranking's scores (see `ranked`): `best`, the most relevance there is
    (tenths), and for each requested kind of positive weight, that weight and the SQL truth of
    sharing it: an advocate who misses a kind scores at most `best` minus its weight."""

    best: int
    kinds: tuple[tuple[int, sa.ColumnElement], ...] = ()
    # The heaviest requested kind when it is indexed (a single value): its weight, sharing it.
    heaviest: tuple[int, sa.ColumnElement] | None = None

    def required(self, relevance: int) -> list:
        """SQL: shares each kind that an advocate reaching `relevance` can't miss."""
        return [shared for weight, shared in self.kinds if self.best - weight < relevance]


# How many advocates with the most points a ranking reads first (see `ranked`), in programs
# whose advocates' ids span SMALL_PROGRAM or more (in smaller ones everyone is read at once).
HIGH_POINTS = 2_000
SMALL_PROGRAM = 20_000


def ranked(top, limit: int, bound: Bound) -> list:
    """The rows of `top(*conditions)` (`matching._top`: the askable advocates by score, at most
    `limit`, who also meet the `conditions`), reading the advocates with the most points first.

    A score is relevance (at most `bound.best`) plus points (fairness + standing, integers,
    indexed). The `floor` is the points of the advocate HIGH_POINTS places from the top (one
    index lookup; in a small program everyone is ranked at once), and everyone below it has at
    most floor - 1 points, so scores at most floor - 1 + best. The top rows of the advocates at
    or above the floor are read first (`_first`; the floor a literal, so the database plans for
    how few they are). When they are `limit` rows, the last scoring S:

    - if S is at least floor + best, nobody below can reach or tie S: these are the top rows
      of everyone;
    - else `top` is run once more over those at or above S - best (nobody below can reach S):
      at or above the floor only the rows already found (the others rank below them), and
      below it only those who share each requested kind too heavy to miss: reaching S from at
      most floor - 1 points takes relevance S - (floor - 1), which missing a kind that weighs
      more than best minus that makes impossible (`Bound.required`; the single-valued kinds
      are indexed, so the database finds them without reading every row).

    Only when the advocates at or above the floor hold fewer than `limit` askable ones is
    everyone ranked. Every step is exact: the rows are those ranking everyone gives, ties and
    their order included.
    """
    points, ids = MatchRow.points, MatchRow.advocate_id
    floor, span, most = db.session.execute(
        sa.select(
            sa.select(points)
            .order_by(points.desc())
            .offset(HIGH_POINTS)
            .limit(1)
            .scalar_subquery(),
            sa.select(sa.func.max(ids) - sa.func.min(ids)).scalar_subquery(),
            sa.select(sa.func.max(points)).scalar_subquery(),
        )
    ).one()
    if floor is None or span < SMALL_PROGRAM:  # reading everyone costs less than two reads
        return db.session.execute(top()).all()
    floor_literal = sa.literal(floor, literal_execute=True)
    at_floor = points >= floor_literal
    first = _first(top, at_floor, limit, bound, floor == most, most)
    if len(first) < limit:
        return db.session.execute(top()).all()
    last = first[-1].score
    if last - bound.best >= floor:
        return first
    reach = points >= sa.literal(last - bound.best, literal_execute=True)
    found = ids.in_([row.advocate_id for row in first])
    below = sa.and_(points < floor_literal, *bound.required(last - (floor - 1)))
    return db.session.execute(top(sa.or_(found, below), reach)).all()


def _first(top, at_floor, limit: int, bound: Bound, tied: bool, most: int) -> list:
    """The top `limit` rows of those at or above the floor (`at_floor`). When the floor is the
    most points there are (`tied`: many advocates share them, the never asked say, and all are
    at the floor), first only those who share the heaviest requested kind are read, through its
    index (`Bound.heaviest`). When the last of them scores more than anyone at the floor who
    misses that kind can (best - its weight + the `most` points), they are the answer (exact);
    else everyone at or above the floor is read."""
    if tied and bound.heaviest is not None:
        weight, shared = bound.heaviest
        found = db.session.execute(top(at_floor, shared)).all()
        if len(found) == limit and found[-1].score > bound.best - weight + most:
            return found
    return db.session.execute(top(at_floor)).all()
