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
from portal.asks.eligibility_row import ACTIVITY_BITS, activity_bits
from portal.asks.models import AdvocateEligibility, Ask
from portal.asks.overuse import LIVE_ASK_STATUSES
from portal.extensions import db
from portal.planning.access import viewer_only
from portal.planning.models import PlannedNeed
from portal.planning.months import month_key, month_of, month_range, next_month
from portal.planning.needs import needs_query
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
class _Candidate:
    id: int
    activity_types: frozenset[str]
    industry: str
    segment: str
    region: str
    products: frozenset[str]
    limits: tuple[int, int, int]  # per month, quarter, year
    paused_until: dt.date | None


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _criteria_conditions(needs: list[PlannedNeed]):
    """SQL on the eligibility row (which keeps the account's industry, segment and region):
    matches the account criteria of at least one need (a narrow first cut; activity types and
    products are checked per advocate)."""
    alternatives = []
    for need in needs:
        conditions = [
            column == value
            for column, value in (
                (AdvocateEligibility.industry, need.industry),
                (AdvocateEligibility.segment, need.segment),
                (AdvocateEligibility.region, need.region),
            )
            if value
        ]
        if not conditions:
            return sa.true()
        alternatives.append(sa.and_(*conditions))
    return sa.or_(*alternatives)


def _candidates(needs: list[PlannedNeed]) -> list[_Candidate]:
    """Active advocates at active accounts who might supply one of `needs`: one query. The
    criteria come from the advocate's eligibility row, kept exact on every write (activity
    types as bits; the account's industry, segment and region; the advocate's and account's
    products as '|a|b|'), so no list is decoded per advocate."""
    defaults = tuple(int(get_setting(f"default_max_per_{p}")) for p in ("month", "quarter", "year"))
    wanted = {need.activity_type: ACTIVITY_BITS.get(need.activity_type, 0) for need in needs}
    rows = db.session.execute(
        sa.select(
            Advocate.id,
            Advocate.max_per_month,
            Advocate.max_per_quarter,
            Advocate.max_per_year,
            Advocate.paused_until,
            AdvocateEligibility.activity_bits,
            AdvocateEligibility.industry,
            AdvocateEligibility.segment,
            AdvocateEligibility.region,
            AdvocateEligibility.products,
        )
        .join(AdvocateEligibility, AdvocateEligibility.advocate_id == Advocate.id)
        .join(Account, Advocate.account_id == Account.id)
        .where(
            Advocate.status == "active",
            Account.status == "active",
            AdvocateEligibility.activity_bits.op("&")(activity_bits(wanted)) != 0,
            _criteria_conditions(needs),
        )
        .order_by(Advocate.id)
    )
    found = []
    for row in rows:
        kinds = frozenset(kind for kind, bit in wanted.items() if row.activity_bits & bit)
        if not kinds:
            continue
        own = (row.max_per_month, row.max_per_quarter, row.max_per_year)
        found.append(
            _Candidate(
                id=row.id,
                activity_types=kinds,
                industry=row.industry,
                segment=row.segment,
                region=row.region,
                products=frozenset(row.products.strip("|").split("|")) if row.products else _NONE,
                limits=tuple(d if o is None else o for o, d in zip(own, defaults, strict=True)),
                paused_until=row.paused_until,
            )
        )
    return found


_NONE: frozenset[str] = frozenset()


def _can_supply(candidate: _Candidate, need: PlannedNeed) -> bool:
    return (
        need.activity_type in candidate.activity_types
        and (not need.industry or candidate.industry == need.industry)
        and (not need.segment or candidate.segment == need.segment)
        and (not need.region or candidate.region == need.region)
        and (not need.product or need.product in candidate.products)
    )


def _index(month: dt.date, origin: dt.date) -> int:
    """Months from `origin` (a January) to `month`."""
    return (month.year - origin.year) * 12 + month.month - 1


def _capacities(candidates: list[_Candidate], months: list[dt.date]) -> dict[tuple, int]:
    """{(advocate id, month): asks their limits leave that month}: two queries.

    Live asks are counted once into a list of months per advocate (the whole years around
    `months`), so each month's, quarter's and year's use is a sum over at most twelve entries;
    an advocate with no live ask, pause or blackout in the window has the same room every month.
    """
    if not candidates or not months:
        return {}
    ids = [c.id for c in candidates]
    # The whole years around the months: the yearly limit counts every live ask of the year.
    origin = months[0].replace(month=1)
    last = dt.date(months[-1].year + 1, 1, 1)
    slots = _index(last, origin)
    live: dict[int, list[int]] = {}  # advocate -> live asks placed in each month of the years
    asked = db.session.execute(
        sa.select(Ask.advocate_id, Ask.asked_at).where(
            Ask.advocate_id.in_(ids),
            Ask.status.in_(LIVE_ASK_STATUSES),
            Ask.asked_at >= _utc(origin),
            Ask.asked_at < _utc(last),
        )
    )
    for advocate_id, asked_at in asked:
        counts = live.get(advocate_id)
        if counts is None:
            counts = live[advocate_id] = [0] * slots
        counts[_index(asked_at.astimezone(dt.UTC).date(), origin)] += 1
    covered: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for advocate_id, start, end in db.session.execute(
        sa.select(Blackout.advocate_id, Blackout.start, Blackout.end).where(
            Blackout.advocate_id.in_(ids),
            Blackout.end >= months[0],
            Blackout.start <= _month_end(months[-1]),
        )
    ):
        covered.setdefault(advocate_id, []).append((start, end))
    # Per month: (month, its last day, its index, its quarter's first index, its year's).
    spans = []
    for month in months:
        at = _index(month, origin)
        quarter, year = at - (month.month - 1) % 3, at - month.month + 1
        spans.append((month, _month_end(month), at, quarter, year))

    found = {}
    for candidate in candidates:
        per_month, per_quarter, per_year = candidate.limits
        counts = live.get(candidate.id)
        blackouts = covered.get(candidate.id, ())
        paused = candidate.paused_until
        whole = max(min(per_month, per_quarter, per_year), 0)
        for month, end, at, quarter, year in spans:
            if (paused is not None and paused >= end) or any(
                start <= month and stop >= end for start, stop in blackouts
            ):
                found[candidate.id, month] = 0
            elif counts is None:
                found[candidate.id, month] = whole
            else:
                room = min(
                    per_month - counts[at],
                    per_quarter - sum(counts[quarter : quarter + 3]),
                    per_year - sum(counts[year : year + 12]),
                )
                found[candidate.id, month] = max(room, 0)
    return found


def _group_supply(
    needs: Iterable[PlannedNeed], month: dt.date, able: dict[int, set[int]], capacity
) -> int:
    """Capacity in `month` of the advocates who can supply any of `needs`, each once."""
    ids: set[int] = set()
    for need in needs:
        ids |= able[need.id]
    return sum(capacity.get((advocate_id, month), 0) for advocate_id in ids)


def plan_gap(actor, filters: dict, start: dt.date, end: dt.date) -> Plan:
    """Planned demand against supply for the months `start` to `end` (first days), needs
    filtered by `team` and `initiative_id`; the rule is in this module's docstring. Five
    queries, whatever the number of needs or advocates."""
    viewer_only(actor)
    months = month_range(start, end)
    needs = list(
        db.session.scalars(needs_query(actor, {**filters, "start": start, "end": end})).unique()
    )
    candidates = _candidates(needs) if needs else []
    capacity = _capacities(candidates, months)
    by_month_needs: dict[dt.date, list[PlannedNeed]] = {m: [] for m in months}
    able: dict[int, set[int]] = {}  # need id -> ids of the advocates who can supply it
    rows = []
    for need in needs:
        month = month_of(need.needed_by)
        by_month_needs[month].append(need)
        able[need.id] = {c.id for c in candidates if _can_supply(c, need)}
        room = [capacity.get((advocate_id, month), 0) for advocate_id in able[need.id]]
        figures = Figures.of(need.count_needed, sum(room))
        rows.append(NeedRow(need, month, figures, sum(1 for r in room if r > 0)))
    by_month = {}
    total = Figures()
    for month, group in by_month_needs.items():
        figures = Figures.of(
            sum(n.count_needed for n in group), _group_supply(group, month, able, capacity)
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
                    _group_supply(group, month, able, capacity),
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
    "activity_type",
    "count_needed",
    "needed_by",
    "industry",
    "segment",
    "region",
    "product",
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
            row.need.activity_type,
            row.need.count_needed,
            row.need.needed_by,
            row.need.industry,
            row.need.segment,
            row.need.region,
            row.need.product,
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
