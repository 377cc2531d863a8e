"""Planning: initiatives, planned needs, and planned demand set against the advocates who can
supply it, month by month.

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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks.eligibility_row import ACTIVITY_BITS, activity_bits
from portal.asks.models import AdvocateEligibility, Ask
from portal.asks.overuse import LIVE_ASK_STATUSES
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import STAFF, can
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.filters import MAX_DATE, MIN_DATE
from portal.planning.models import INITIATIVE_KINDS, PLANNING_TEAMS, Initiative, PlannedNeed
from portal.program.service import get_setting, taxonomy_values
from portal.recruiting.models import Target
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, label

NEED_FIELDS = (
    "initiative_id",
    "target_id",
    "title",
    "activity_type",
    "count_needed",
    "needed_by",
    "industry",
    "segment",
    "region",
    "product",
    "owner_id",
    "owner_team",
    "notes",
)
INITIATIVE_FIELDS = ("kind", "name", "description", "starts_on", "ends_on")
DIMENSIONS = ("segment", "industry", "product", "activity_type")
MAX_MONTHS = 24
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# Who may do what ---------------------------------------------------------------------------------


def may_view(actor) -> bool:
    return can(actor, "planning.view")


def may_plan(actor) -> bool:
    return can(actor, "planning.edit")


def is_program(actor) -> bool:
    return can(actor, "program.manage")


def may_edit(actor, need: PlannedNeed) -> bool:
    """The program team edits every need; requesters and CSMs the needs they own or created."""
    if not may_plan(actor):
        return False
    return is_program(actor) or actor.id in (need.owner_id, need.created_by_id)


def _viewer_only(actor) -> None:
    if not may_view(actor):
        raise Forbidden("You can't see the plan.")


def _planner_only(actor) -> None:
    if not may_plan(actor):
        raise Forbidden("You can't change the plan.")


def _program_only(actor) -> None:
    if not is_program(actor):
        raise Forbidden("Only the program team manages initiatives.")


def team_of(user) -> str | None:
    """The planning team a user plans for by default: theirs, customer success, or program."""
    if user is None:
        return None
    if user.role in ("manager", "admin"):
        return "program"
    if user.role == "csm":
        return "csm"
    return user.team


# Months ------------------------------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def parse_month(value) -> dt.date | None:
    """'2027-01' as the first day of that month, or None when it is not one."""
    match = _MONTH.match(value.strip()) if isinstance(value, str) else None
    # The list filters' date range: months around it can be stepped without leaving Python's.
    if (
        not match
        or not 1 <= int(match[2]) <= 12
        or not MIN_DATE.year <= int(match[1]) <= MAX_DATE.year
    ):
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """This month and the two after it: a quarter ahead."""
    first = month_of(today)
    return first, next_month(next_month(first))


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], month_of(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def check_range(values: dict, today: dt.date) -> tuple[dt.date, dt.date]:
    """The `from` and `to` months ('YYYY-MM'), the default quarter when absent; a bad value,
    `to` before `from` or more than MAX_MONTHS months is refused naming the field."""
    default_start, default_end = default_range(today)
    errors: dict[str, str] = {}
    found = {}
    for name, default in (("from", default_start), ("to", None)):
        raw = values.get(name)
        if raw in (None, ""):
            found[name] = default
            continue
        month = parse_month(raw)
        if month is None:
            errors[name] = "Use a month like 2027-01."
        found[name] = month
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    start = found["from"]
    end = found["to"]
    if end is None:
        end = default_end if start == default_start else next_month(next_month(start))
    if end < start:
        raise ValidationFailed("The last month is before the first.", field="to")
    if len(month_range(start, end)) > MAX_MONTHS:
        raise ValidationFailed(f"Plan at most {MAX_MONTHS} months at once.", field="to")
    return start, end


# Initiatives -------------------------------------------------------------------------------------


def initiatives() -> list[Initiative]:
    return list(
        db.session.scalars(
            sa.select(Initiative).order_by(
                Initiative.starts_on.is_(None), Initiative.starts_on, Initiative.name
            )
        )
    )


def get_initiative(actor, initiative_id: int) -> Initiative:
    _viewer_only(actor)
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound("No such initiative.")
    return initiative


def _check_initiative(data: dict) -> dict:
    c = Checker(data, allowed=INITIATIVE_FIELDS)
    c.choice("kind", INITIATIVE_KINDS, required=True)
    c.text("name", max_length=200, required=True)
    c.text("description", max_length=5000)
    c.date("starts_on")
    c.date("ends_on")
    c.plain("name", "description")
    starts, ends = c.clean.get("starts_on"), c.clean.get("ends_on")
    if starts and ends and ends < starts:
        c.error("ends_on", "Must not be before the start.")
    return c.done()


def create_initiative(actor, data: dict) -> Initiative:
    """A launch, a new segment or a partner channel the plan's needs can belong to."""
    _program_only(actor)
    clean = _check_initiative(data)
    initiative = Initiative(**clean, created_by_id=actor.id)
    db.session.add(initiative)
    audit.record(actor, "initiative.created", initiative, clean)
    return initiative


def update_initiative(actor, initiative: Initiative, data: dict) -> Initiative:
    _program_only(actor)
    clean = _check_initiative(data)
    changed = audit.changes(initiative, clean)
    if changed:
        audit.record(actor, "initiative.updated", initiative, changed)
    return initiative


def delete_initiative(actor, initiative: Initiative) -> None:
    """Remove an initiative; its needs stay in the plan, without it."""
    _program_only(actor)
    audit.record(actor, "initiative.deleted", initiative, {"name": initiative.name})
    db.session.execute(
        sa.update(PlannedNeed)
        .where(PlannedNeed.initiative_id == initiative.id)
        .values(initiative_id=None)
    )
    db.session.delete(initiative)


def needs_per_initiative() -> dict[int, int]:
    """{initiative id: planned needs}: one query."""
    return dict(
        db.session.execute(
            sa.select(PlannedNeed.initiative_id, sa.func.count(PlannedNeed.id))
            .where(PlannedNeed.initiative_id.is_not(None))
            .group_by(PlannedNeed.initiative_id)
        ).all()
    )


def targets() -> list[Target]:
    """The program targets a need may serve, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Target).order_by(Target.due_on.is_(None), Target.due_on, Target.id)
        )
    )


# Planned needs -----------------------------------------------------------------------------------


def planners() -> list[User]:
    """Staff who may own a need, by name (the program team's owner choice)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .options(load_only(User.id, User.name, User.email, User.role, User.team))
            .where(User.role.in_(STAFF), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def _check_need(actor, data: dict, need: PlannedNeed | None = None) -> dict:
    partial = need is not None
    c = Checker(data, allowed=NEED_FIELDS, partial=partial)
    c.text("title", max_length=200, required=True)
    c.choice("activity_type", ACTIVITY_TYPES, required=True)
    c.integer("count_needed", minimum=1, maximum=10_000, required=True)
    c.date("needed_by", required=True)
    if c.clean.get("needed_by") and not MIN_DATE <= c.clean["needed_by"] <= MAX_DATE:
        c.error("needed_by", f"Use a date from {MIN_DATE.year} to {MAX_DATE.year}.")
    for kind in ("industry", "product"):
        held = {getattr(need, kind)} - {None} if need is not None else set()
        c.choice(kind, taxonomy_values(kind) | held)  # a retired value it holds may stay
    c.choice("segment", SEGMENTS)
    c.choice("region", REGIONS)
    c.choice("owner_team", PLANNING_TEAMS)
    c.text("notes", max_length=5000)
    c.plain("title", "notes")
    for name, model in (("initiative_id", Initiative), ("target_id", Target), ("owner_id", User)):
        c.integer(name, minimum=1, maximum=2**31 - 1)
        chosen = c.clean.get(name)
        if chosen is not None and db.session.get(model, chosen) is None:
            c.error(name, "No such " + name.removesuffix("_id") + ".")
    owner_id = c.clean.get("owner_id")
    if owner_id is not None and "owner_id" not in c.errors:
        owner = db.session.get(User, owner_id)
        if owner.role not in STAFF:
            c.error("owner_id", "The owner must be a member of staff.")
        elif not is_program(actor) and owner_id != actor.id:
            c.error("owner_id", "You plan needs you own; the program team may plan for others.")
    clean = c.done()
    if need is None and clean.get("owner_id") is None:
        clean["owner_id"] = actor.id
    if (need is None or "owner_team" in clean) and clean.get("owner_team") is None:
        # Left blank: the owner's own team.
        owner_id = clean.get("owner_id", need.owner_id if need else None) or actor.id
        clean["owner_team"] = team_of(db.session.get(User, owner_id))
        if clean["owner_team"] is None:
            message = "Choose the team this need is for."
            raise ValidationFailed(f"owner_team: {message}", fields={"owner_team": message})
    return clean


def create_need(actor, data: dict) -> PlannedNeed:
    """'Q1 launch of product X needs 5 banking reference calls by 1 March'."""
    _planner_only(actor)
    clean = _check_need(actor, data)
    need = PlannedNeed(**clean, created_by_id=actor.id)
    db.session.add(need)
    audit.record(actor, "planned_need.created", need, clean)
    return need


def update_need(actor, need: PlannedNeed, data: dict) -> PlannedNeed:
    """Change the fields sent; the others stay."""
    if not may_edit(actor, need):
        raise Forbidden("Only its owner or the program team may change this need.")
    clean = _check_need(actor, data, need)
    changed = audit.changes(need, clean)
    if changed:
        audit.record(actor, "planned_need.updated", need, changed)
    return need


def delete_need(actor, need: PlannedNeed) -> None:
    if not may_edit(actor, need):
        raise Forbidden("Only its owner or the program team may remove this need.")
    audit.record(
        actor,
        "planned_need.deleted",
        need,
        {"title": need.title, "count_needed": need.count_needed, "needed_by": need.needed_by},
    )
    db.session.delete(need)


def get_need(actor, need_id: int) -> PlannedNeed:
    _viewer_only(actor)
    need = db.session.get(PlannedNeed, need_id)
    if need is None:
        raise NotFound("No such planned need.")
    return need


def needs_query(actor, filters: dict) -> sa.Select:
    """The planned needs, by date: `team`, `initiative_id`, `owner_id`, and the months
    `start` to `end` (first days) when given."""
    _viewer_only(actor)
    query = sa.select(PlannedNeed).options(
        joinedload(PlannedNeed.initiative),
        joinedload(PlannedNeed.owner).load_only(User.id, User.name, User.email),
        joinedload(PlannedNeed.target),
    )
    if filters.get("team"):
        query = query.where(PlannedNeed.owner_team == filters["team"])
    if filters.get("initiative_id"):
        query = query.where(PlannedNeed.initiative_id == filters["initiative_id"])
    if filters.get("owner_id"):
        query = query.where(PlannedNeed.owner_id == filters["owner_id"])
    if filters.get("start"):
        query = query.where(PlannedNeed.needed_by >= filters["start"])
    if filters.get("end"):
        query = query.where(PlannedNeed.needed_by < next_month(filters["end"]))
    return query.order_by(PlannedNeed.needed_by, PlannedNeed.id)


def need_label(need: PlannedNeed) -> str:
    """'5 reference calls: banking, enterprise, EMEA'."""
    parts = [label(v) for v in (need.industry, need.product, need.segment, need.region) if v]
    what = label(need.activity_type).lower()
    return f"{need.count_needed} × {what}" + (f": {', '.join(parts)}" if parts else "")


# Supply and the gap ------------------------------------------------------------------------------


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
    _viewer_only(actor)
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
