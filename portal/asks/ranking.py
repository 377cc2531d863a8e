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
    most floor - 1 points, so scores at most floor - 1 + best. `top` is first run over the
    advocates at or above the floor (a literal, so the database plans for how few they are).
    When that finds `limit` rows, the last scoring S:

    - if S is at least floor + best, nobody below can reach or tie S: these are the top rows
      of everyone;
    - else `top` is run once more over those at or above S - best (nobody below can reach S)
      and, below the floor, only over those who share each requested kind too heavy to miss:
      reaching S from at most floor - 1 points takes relevance S - (floor - 1), which missing a
      kind that weighs more than best minus that makes impossible (`Bound.required`; the
      single-valued kinds are indexed, so the database finds them without reading every row).

    Only when the advocates at or above the floor hold fewer than `limit` askable ones is
    everyone ranked. Every step is exact: the rows are those ranking everyone gives, ties and
    their order included.
    """
    points, ids = MatchRow.points, MatchRow.advocate_id
    floor, span = db.session.execute(
        sa.select(
            sa.select(points)
            .order_by(points.desc())
            .offset(HIGH_POINTS)
            .limit(1)
            .scalar_subquery(),
            sa.select(sa.func.max(ids) - sa.func.min(ids)).scalar_subquery(),
        )
    ).one()
    if floor is None or span < SMALL_PROGRAM:  # reading everyone costs less than two reads
        return db.session.execute(top()).all()
    at_floor = points >= sa.literal(floor, literal_execute=True)
    first = db.session.execute(top(at_floor)).all()
    if len(first) < limit:
        return db.session.execute(top()).all()
    last = first[-1].score
    if last - bound.best >= floor:
        return first
    reach = points >= sa.literal(last - bound.best, literal_execute=True)
    required = bound.required(last - (floor - 1))
    if not required:
        return db.session.execute(top(reach)).all()
    return db.session.execute(top(sa.or_(at_floor, sa.and_(*required)), reach)).all()
