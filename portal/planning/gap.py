"""Planned demand set against the advocates who can supply it, month by month, and the
plan's CSV export.

The supply rule (`plan_gap`), written once for the pages, the CSV export and the API:

- A need falls in the calendar month of its `needed_by` date (UTC months). Its demand is its
  `count_needed`.
- An advocate can supply a need when the advocate is active, their account is active, they
  opted into the need's activity type, and they match each criterion the need sets: industry,
  segment and region are the account's; a product is the advocate's or their account's.
- An advocate's capacity in a month is what their limits leave in it: their own monthly,
  quarterly and yearly limits (the program defaults where they set none), each minus the asks
  already live (pending, accepted or completed, as the overuse rule counts them) placed in
  that month, its quarter and its year; the smallest of the three, never below 0. An advocate
  paused for the whole month (`paused_until`) or in a blackout covering the whole month has
  none.
- The supply of a need is the sum of the capacities of the advocates who can supply it. The
  supply of a group of needs (a month; a segment, industry, product or activity type in a
  month) counts each advocate who can supply any need of the group once, with their capacity
  in that month: an advocate is never counted twice for the same month. Supply is an upper
  bound: it does not assign advocates to needs.
- Gap is demand minus supply when positive, else 0; surplus is supply minus demand when
  positive, else 0. Figures over several months (totals) are the sums of the months' figures,
  gap and surplus included: spare capacity in one month never covers a gap in another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks.eligibility_row import ACTIVITY_BITS
from portal.asks.models import AdvocateEligibility, Ask
from portal.asks.overuse import LIVE_ASK_STATUSES
from portal.database import aware_utc, greatest, least, sort_in_memory, without_jit
from portal.extensions import db
from portal.planning.access import viewer_only
from portal.planning.models import PlannedNeed
from portal.planning.months import month_key, month_of, month_range, next_month
from portal.planning.needs import DEMAND_FIELDS, needs_query
from portal.program.service import get_setting
from portal.vocab import label

DIMENSIONS = ("segment", "industry", "product", "activity_type")


@dataclass
class Figures:
    """Demand, supply, gap and surplus of one cell; a sum of cells keeps each cell's gap and
    surplus (a spare month does not cover a short one)."""

    demand: int = 0
    supply: int = 0
    gap: int = 0
    surplus: int = 0

    @classmethod
    def of(cls, demand: int, supply: int) -> Figures:
        return cls(demand, supply, max(demand - supply, 0), max(supply - demand, 0))

    def add(self, other: Figures) -> None:
        self.demand += other.demand
        self.supply += other.supply
        self.gap += other.gap
        self.surplus += other.surplus

    def as_dict(self) -> dict[str, int]:
        return {
            "demand": self.demand,
            "supply": self.supply,
            "gap": self.gap,
            "surplus": self.surplus,
        }


@dataclass
class NeedRow:
    need: PlannedNeed
    month: dt.date
    figures: Figures
    advocates: int  # advocates who can supply it, with room that month


@dataclass
class DimensionRow:
    value: str | None  # None: needs that set no such criterion ("any")
    months: dict[dt.date, Figures]
    total: Figures


@dataclass
class Plan:
    months: list[dt.date]
    rows: list[NeedRow]
    by_month: dict[dt.date, Figures]
    total: Figures
    by_dimension: dict[str, list[DimensionRow]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Supply:
    """Advocates alike in everything the plan looks at: the needs they can supply and their
    room in each month. Groups are disjoint, so a union of groups counts each advocate once."""

    advocates: int
    needs: frozenset[int]  # the ids of the needs they can supply
    room: dict[dt.date, int]  # month -> asks their limits leave (each advocate)


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _account_criteria(need: PlannedNeed) -> list:
    """SQL on the eligibility row (which keeps the account's industry, segment and region):
    the account criteria `need` sets."""
    pairs = (
        (AdvocateEligibility.industry, need.industry),
        (AdvocateEligibility.segment, need.segment),
        (AdvocateEligibility.region, need.region),
    )
    return [column == value for column, value in pairs if value]


def _periods(months: list[dt.date]) -> dict[str, dict[dt.date, tuple[dt.date, dt.date]]]:
    """For each month: the month, its quarter and its year, as [first day, next first day)."""
    found: dict[str, dict[dt.date, tuple[dt.date, dt.date]]] = {"m": {}, "q": {}, "y": {}}
    for month in months:
        quarter = month.replace(month=month.month - (month.month - 1) % 3)
        found["m"][month] = (month, next_month(month))
        found["q"][month] = (quarter, next_month(next_month(next_month(quarter))))
        found["y"][month] = (month.replace(month=1), dt.date(month.year + 1, 1, 1))
    return found


def _latest_live_ask() -> dt.datetime | None:
    """When the latest live ask was placed (None: there is none): one step back in the index
    of asks by status and date for each live status."""
    latest = [
        sa.select(sa.func.max(Ask.asked_at)).where(Ask.status == status).scalar_subquery()
        for status in LIVE_ASK_STATUSES
    ]
    found = [aware_utc(day) for day in db.session.execute(sa.select(*latest)).one() if day]
    return max(found, default=None)


def _live_counts(spans, latest: dt.datetime | None) -> list:
    """Aggregates over an advocate's live asks: those placed in each of `spans` (the plan's
    months, quarters and years), named after it; a span that begins after the `latest` live
    ask holds none (a plan's months ahead), 0 without counting. `count(*)`, the index has all
    it reads: an outer join's row without an ask has no date, so no filter counts it."""
    return [
        (
            sa.func.count().filter(Ask.asked_at >= _utc(a), Ask.asked_at < _utc(b))
            if latest is not None and _utc(a) <= latest
            else sa.literal(0)
        ).label(f"p{a:%Y%m%d}_{b:%Y%m%d}")
        for a, b in spans
    ]


def _with_live_counts(chosen: sa.Select, spans) -> tuple:
    """(`chosen` as a subquery, the subquery with their live asks in `spans`: `_live_counts`
    by advocate id). The fastest shape differs by database:

    - PostgreSQL counts every advocate's asks of the plan's window from the index of asks by
      status and date alone, before they meet the advocates (a hash join of the counts; joining
      the asks themselves read the whole table in each parallel worker);
    - SQLite looks each chosen advocate's asks up in the index of asks by advocate (a nested
      loop; counting the window's asks first and joining them is slower there), and the counts
      come with the advocates in one subquery."""
    latest = _latest_live_ask()
    first = _utc(spans[0][0])
    last = min(_utc(max(b for _, b in spans)), (latest or first) + dt.timedelta(microseconds=1))
    live = (Ask.status.in_(LIVE_ASK_STATUSES), Ask.asked_at >= first, Ask.asked_at < last)
    if db.session.connection().dialect.name != "postgresql":
        candidates = (
            chosen.add_columns(*_live_counts(spans, latest))
            .outerjoin(Ask, sa.and_(Ask.advocate_id == Advocate.id, *live))
            .group_by(Advocate.id, AdvocateEligibility.advocate_id)
            .subquery("candidates")
        )
        return candidates, candidates
    used = (
        sa.select(Ask.advocate_id.label("id"), *_live_counts(spans, latest))
        .where(*live)
        .group_by(Ask.advocate_id)
        .subquery("used")
    )
    return chosen.subquery("candidates"), used


def _supplies(need: PlannedNeed):
    """SQL: the advocate (their eligibility row) can supply `need`."""
    bit = ACTIVITY_BITS.get(need.activity_type, 0)
    conditions = [AdvocateEligibility.activity_bits.op("&")(bit) != 0]
    conditions += _account_criteria(need)
    if need.product:
        conditions.append(
            AdvocateEligibility.products.contains(f"|{need.product}|", autoescape=True)
        )
    return sa.and_(*conditions)


def _supply(needs: list[PlannedNeed], months: list[dt.date]) -> list[_Supply]:
    """Active advocates at active accounts who can supply one of `needs`, grouped by the needs
    they can supply and by their room in each month: one statement, the sums done by the
    database (the rule is in this module's docstring). Their room in a month is worked out per
    advocate in SQL: each limit (theirs, else the program default) minus their live asks in
    that month, quarter or year, the smallest of the three, never below 0; none when paused or
    blacked out for the whole month."""
    defaults = [int(get_setting(f"default_max_per_{p}")) for p in ("month", "quarter", "year")]
    own = (Advocate.max_per_month, Advocate.max_per_quarter, Advocate.max_per_year)
    able = [_supplies(need) for need in needs]
    # Which needs each advocate can supply, as a string of 0s and 1s in the order of `needs`.
    which = sa.literal("", sa.String)
    for condition in able:
        which = which + sa.case((condition, "1"), else_="0")
    periods = _periods(months)
    spans = sorted({span for kind in periods.values() for span in kind.values()})
    # Active advocates at active accounts who can supply one of the needs at least.
    chosen = (
        sa.select(
            Advocate.id.label("id"),
            which.label("able"),
            Advocate.paused_until.label("paused_until"),
            *(
                sa.func.coalesce(column, default).label(f"limit_{kind}")
                for column, default, kind in zip(own, defaults, "mqy", strict=True)
            ),
        )
        .join(AdvocateEligibility, AdvocateEligibility.advocate_id == Advocate.id)
        .join(Account, Advocate.account_id == Account.id)
        .where(Advocate.status == "active", Account.status == "active", sa.or_(*able))
    )
    candidates, used = _with_live_counts(chosen, spans)

    # For each advocate with a blackout in the plan: 1 in each month one of them covers whole.
    # One join, not a lookup per advocate and month.
    covered = (
        sa.select(
            Blackout.advocate_id.label("id"),
            *(
                sa.func.max(
                    sa.case(
                        (sa.and_(Blackout.start <= m, Blackout.end >= _month_end(m)), 1), else_=0
                    )
                ).label(f"covers_{n}")
                for n, m in enumerate(months)
            ),
        )
        .where(Blackout.start <= _month_end(months[-1]), Blackout.end >= months[0])
        .group_by(Blackout.advocate_id)
        .subquery("covered")
    )

    def room(n: int, month: dt.date):
        end = _month_end(month)
        blacked_out = covered.c[f"covers_{n}"] == 1
        left = []
        for kind in "mqy":
            a, b = periods[kind][month]
            # An advocate without live asks in the window has none (NULL in `used`).
            counted = sa.func.coalesce(used.c[f"p{a:%Y%m%d}_{b:%Y%m%d}"], 0)
            left.append(candidates.c[f"limit_{kind}"] - counted)
        return sa.case(
            (sa.or_(candidates.c.paused_until >= end, blacked_out), 0),
            else_=greatest(least(*left), 0),
        )

    per_advocate = sa.select(
        candidates.c.able,
        *(room(n, month).label(f"room_{n}") for n, month in enumerate(months)),
    )
    if used is not candidates:
        per_advocate = per_advocate.outerjoin(used, used.c.id == candidates.c.id)
    per_advocate = per_advocate.outerjoin(covered, covered.c.id == candidates.c.id).subquery()
    columns = list(per_advocate.c)
    connection = db.session.connection()
    without_jit(connection)  # compiling it took PostgreSQL longer than running it
    sort_in_memory(connection)  # it sorts and hashes tens of thousands of advocates
    rows = db.session.execute(sa.select(*columns, sa.func.count()).group_by(*columns))
    return [
        _Supply(
            advocates=row[-1],
            needs=frozenset(need.id for need, bit in zip(needs, row[0], strict=True) if bit == "1"),
            room={month: row[1 + n] for n, month in enumerate(months)},
        )
        for row in rows
    ]


def _group_supply(
    needs: Iterable[PlannedNeed], month: dt.date, able: dict[int, set[int]], groups
) -> int:
    """Room in `month` of the advocates who can supply any of `needs`, each counted once."""
    indexes: set[int] = set()
    for need in needs:
        indexes |= able[need.id]
    return sum(groups[i].advocates * groups[i].room[month] for i in indexes)


def plan_gap(actor, filters: dict, start: dt.date, end: dt.date) -> Plan:
    """Planned demand against supply for the months `start` to `end` (first days), needs
    filtered by `team` and `initiative_id`; the rule is in this module's docstring. A fixed
    number of queries, whatever the number of needs or advocates; the advocates' room is summed
    by the database, which sends one row per group of alike advocates."""
    viewer_only(actor)
    months = month_range(start, end)
    needs = list(
        db.session.scalars(needs_query(actor, {**filters, "start": start, "end": end})).unique()
    )
    groups = _supply(needs, months) if needs else []
    by_month_needs: dict[dt.date, list[PlannedNeed]] = {m: [] for m in months}
    # Need id -> the groups of advocates who can supply it (each group read once).
    able: dict[int, set[int]] = {need.id: set() for need in needs}
    for i, group in enumerate(groups):
        for need_id in group.needs:
            able[need_id].add(i)
    rows = []
    for need in needs:
        month = month_of(need.needed_by)
        by_month_needs[month].append(need)
        supplying = [groups[i] for i in able[need.id]]
        figures = Figures.of(need.count_needed, sum(g.advocates * g.room[month] for g in supplying))
        rows.append(
            NeedRow(need, month, figures, sum(g.advocates for g in supplying if g.room[month] > 0))
        )
    by_month = {}
    total = Figures()
    for month, group in by_month_needs.items():
        figures = Figures.of(
            sum(n.count_needed for n in group), _group_supply(group, month, able, groups)
        )
        by_month[month] = figures
        total.add(figures)
    plan = Plan(months, rows, by_month, total)
    for dimension in DIMENSIONS:
        values = sorted(
            {getattr(n, dimension) for n in needs}, key=lambda v: (v is None, label(v or ""))
        )
        dimension_rows = []
        for value in values:
            cells, value_total = {}, Figures()
            for month in months:
                group = [n for n in by_month_needs[month] if getattr(n, dimension) == value]
                cells[month] = Figures.of(
                    sum(n.count_needed for n in group),
                    _group_supply(group, month, able, groups),
                )
                value_total.add(cells[month])
            dimension_rows.append(DimensionRow(value, cells, value_total))
        plan.by_dimension[dimension] = dimension_rows
    return plan


# Export ------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "month",
    "title",
    "initiative",
    *DEMAND_FIELDS,
    "owner",
    "owner_team",
    "supply",
    "gap",
    "surplus",
    "target_id",
    "notes",
)


def export_rows(plan: Plan) -> list[list]:
    """One CSV row per need of the plan (cells made safe by portal.csvio)."""
    return [
        [
            row.need.id,
            month_key(row.month),
            row.need.title,
            row.need.initiative.name if row.need.initiative else None,
            *[getattr(row.need, name) for name in DEMAND_FIELDS],
            row.need.owner.name if row.need.owner else None,
            row.need.owner_team,
            row.figures.supply,
            row.figures.gap,
            row.figures.surplus,
            row.need.target_id,
            row.need.notes,
        ]
        for row in plan.rows
    ]
