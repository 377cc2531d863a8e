"""The business value report (issue 19): win rates, revenue, pipeline and cycle length from
every opportunity of the period, with and without a reference. Definitions:

- The opportunities: every CRM deal (`Opportunity`) won or lost with its close date in the
  range (a deal with no close date: the latest needed-by date of its requests, as before deals
  were kept; with neither it is left out), with or without reference requests; plus each
  opportunity that has no deal row, as before deals were kept: the requests that share a CRM id
  nobody loaded as a deal, or the one request with no CRM id ("request-<id>"), won or lost with
  a close (else needed-by) date in the range. Open deals count only in the influenced pipeline.
- "With a reference": one of its requests has a completed ask (`report_request_facts.completed`).
- Win rate with and without a reference: won / (won + lost) of those opportunities, each rate
  with its sample size (n: `opportunities_with_reference`, `opportunities_without_reference`).
- Influenced revenue: won amounts with a reference; all won revenue: every won amount;
  influenced pipeline: amounts of deals open now with a reference (whatever their expected
  close date: an open deal has not closed in any range; `open_with_reference` is their n).
- Cycle length: the median days from a won deal's opened-on date to its close date, with and
  without a reference, each with its n (deals missing either date are left out, and so are
  opportunities without a deal row).
- Amounts are per currency, never added across currencies (`*_by_currency`: every currency
  among the opportunities, `CURRENCY_DEFAULT` always); `influenced_revenue`, `won_revenue` and
  `influenced_pipeline` are the amounts in `currency` (`CURRENCY_DEFAULT`) only. Opportunities
  without a deal row count in `CURRENCY_DEFAULT`.
- Team: the requesters' team (the first, alphabetically, when its requests come from several
  teams), else the team of the user whose e-mail is the deal's owner's. Industry: its requests'
  first industry asked for (the first, alphabetically, when they differ), else the industry of
  the deal's account. Filters apply to both; breakdowns by the quarter of the close date
  (expected close date for open deals), team or industry.

One statement whatever the data size (PostgreSQL: plus the SET of `_tune`), reading each deal
and each request's facts row once: the opportunities as a CTE, then their counts and amounts per
group and currency and, in the same statement, the won deals' cycle lengths as a histogram whose
medians are taken here (`_aggregates`).
"""

from __future__ import annotations

import functools
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.accounts.models import Account
from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.reports import charts
from portal.reports.aggregates import _flag, _histogram_median, _rate, _tune
from portal.reports.models import RequestFacts
from portal.reports.params import NO_TEAM, REPORTS, Params, Report
from portal.vocab import CURRENCY_DEFAULT, label

CLOSED = ("won", "lost")
ONE_REQUEST = "request-"  # how a request with no CRM id keys its facts
# The per-group counts and amounts, in the order the first query returns them.
COUNTS = ("won_with", "lost_with", "won_without", "lost_without", "open_with")
AMOUNTS = ("influenced", "won", "pipeline")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _day_span(later, earlier):
    """SQL: whole days from the date `earlier` to the date `later` (null if either is)."""
    if _postgresql():
        return later - earlier
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)


def _referenced():
    return sa.func.coalesce(
        sa.func.max(sa.case((RequestFacts.completed > 0, 1), else_=0)), 0
    ).label("referenced")


def _one_request(key):
    """SQL: the facts key of a request with no CRM id (`portal.reports.facts.opportunity_key`),
    never a deal's."""
    return key.startswith(ONE_REQUEST)


def _grouped_facts(columns: list, team: bool, industry: bool) -> sa.Select:
    """SQL: `columns` of the request facts (to be grouped) and, when asked for, the group's first
    team (of its requesters) and industry."""
    f = RequestFacts
    query = sa.select().select_from(f)
    if team:
        query = query.outerjoin(User, User.id == f.requester_id)
        columns = [*columns, sa.func.min(User.team).label("team")]
    if industry:
        columns = [*columns, sa.func.min(f.industry).label("industry")]
    return query.add_columns(*columns)


def _requests_per_deal(team: bool, industry: bool):
    """SQL: per CRM id that requests name, whether one has a reference (a completed ask), their
    latest close (else needed-by) date and, when asked for, their first team and industry."""
    f = RequestFacts
    columns = [
        f.opportunity_key.label("key"),
        _referenced(),
        sa.func.max(f.closed_on).label("closed_on"),
    ]
    return (
        _grouped_facts(columns, team, industry)
        .where(~_one_request(f.opportunity_key))
        .group_by(f.opportunity_key)
        .subquery("requested")
    )


def _deals(params: Params, team: bool, industry: bool) -> sa.Select:
    """One row per CRM deal closed in the range, or open now with a reference: one pass over
    the deals (when the range holds most of them, reading them by the outcome and close date
    index looks most rows up one by one, several times slower)."""
    o = Opportunity
    k = _requests_per_deal(team, industry)
    closed_on = sa.func.coalesce(o.close_date, k.c.closed_on)
    referenced = sa.func.coalesce(k.c.referenced, 0)
    columns = [
        o.outcome.label("outcome"),
        referenced.label("referenced"),
        o.currency.label("currency"),
        o.amount.label("amount"),
        closed_on.label("closed_on"),
        sa.case((o.outcome == "won", _day_span(o.close_date, o.opened_on))).label("cycle"),
    ]
    query = sa.select().select_from(o).outerjoin(k, k.c.key == o.crm_id)
    if team:
        owner = aliased(User)
        # Users' e-mails are kept in lower case (`portal.auth.service`): their unique index.
        query = query.outerjoin(owner, owner.email == sa.func.lower(o.owner_email))
        columns.append(sa.func.coalesce(k.c.team, owner.team).label("team"))
    if industry:
        query = query.outerjoin(Account, Account.id == o.account_id)
        columns.append(sa.func.coalesce(k.c.industry, Account.industry).label("industry"))
    return query.add_columns(*columns).where(
        sa.or_(
            sa.and_(o.outcome.in_(CLOSED), closed_on.between(params.start, params.end)),
            sa.and_(o.outcome == "open", referenced == 1),
        )
    )


def _without_deal(params: Params, team: bool, industry: bool) -> sa.Select:
    """One row per opportunity with no deal row (keyed as the facts key it), won or lost with
    a close in the range: the value report as it was before deals were kept."""
    f = RequestFacts
    won = f.outcome == "won"
    columns = [
        sa.case(
            (sa.func.max(sa.case((won, 1), else_=0)) == 1, sa.literal("won")), else_="lost"
        ).label("outcome"),
        _referenced(),
        sa.literal(CURRENCY_DEFAULT, sa.String(3)).label("currency"),
        sa.func.max(sa.case((won, f.amount))).label("amount"),
        sa.func.max(f.closed_on).label("closed_on"),
        sa.cast(sa.null(), sa.Integer).label("cycle"),
    ]
    has_deal = sa.exists().where(Opportunity.crm_id == f.opportunity_key)
    return (
        _grouped_facts(columns, team, industry)
        .where(
            f.outcome.in_(CLOSED),
            f.closed_on >= params.start,
            f.closed_on <= params.end,
            sa.or_(_one_request(f.opportunity_key), ~has_deal),
        )
        .group_by(f.opportunity_key)
    )


def _opportunities(params: Params, by: str | None):
    """Every opportunity of the report, one row each, filtered by team and industry."""
    team = by == "team" or "team" in params.filters
    industry = by == "industry" or "industry" in params.filters
    opp = sa.union_all(_deals(params, team, industry), _without_deal(params, team, industry)).cte(
        "value_opportunities"
    )
    conditions = []
    chosen_team = params.filters.get("team")
    if chosen_team == NO_TEAM:
        conditions.append(opp.c.team.is_(None))
    elif chosen_team:
        conditions.append(opp.c.team == chosen_team)
    if params.filters.get("industry"):
        conditions.append(opp.c.industry == params.filters["industry"])
    return opp, conditions


def _dimensions(opp, by: str | None) -> list:
    if by == "quarter":
        month = sa.cast(sa.extract("month", opp.c.closed_on), sa.Integer)
        two, three = sa.literal_column("2", sa.Integer), sa.literal_column("3", sa.Integer)
        # Literal columns, not bound values: the same SQL text in the select and GROUP BY.
        return [sa.extract("year", opp.c.closed_on), (month + two) // three]
    if by in ("team", "industry"):
        return [opp.c[by]]
    return []


def _group_name(by: str | None, key: tuple) -> str:
    if by == "quarter":
        year, quarter = key
        return f"{int(year)} Q{int(quarter)}" if year is not None else "No close date"
    if by == "team":
        return label(key[0]) if key[0] else "No team"
    if by == "industry":
        return label(key[0]) if key[0] else "No industry"
    return ""


def _aggregates(params: Params, by: str | None) -> tuple[list, dict]:
    """One statement over the opportunities (a CTE, computed once and read twice): per group
    and currency the counts of `COUNTS` and the amounts of `AMOUNTS`; then per group how many
    won deals took each number of days, with and without a reference (a histogram: its rows
    grow with the distinct cycle lengths, never with the number of deals). Returns the first
    rows as (group key, currency, counts, amounts) and {group key or (): cycle figures}."""
    opp, conditions = _opportunities(params, by)
    dims = _dimensions(opp, by)
    c = opp.c
    with_ref = c.referenced == 1
    won, lost, is_open = c.outcome == "won", c.outcome == "lost", c.outcome == "open"

    def amount(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, c.amount))), 0)

    def part(number: int):
        return sa.literal_column(str(number), sa.Integer)

    def nothing(kind=sa.Integer):
        return sa.cast(sa.null(), kind)

    amounts = (
        sa.select(
            part(0),
            *dims,
            c.currency,
            _flag(sa.and_(with_ref, won)),
            _flag(sa.and_(with_ref, lost)),
            _flag(sa.and_(~with_ref, won)),
            _flag(sa.and_(~with_ref, lost)),
            _flag(is_open),
            amount(sa.and_(with_ref, won)),
            amount(won),
            amount(is_open),
            nothing(),
            nothing(),
        )
        .where(*conditions)
        .group_by(*dims, c.currency)
    )
    cycles = (
        sa.select(
            part(1),
            *dims,
            nothing(sa.String(3)),
            sa.func.count(),
            *[part(0) for _ in COUNTS[1:]],
            *[nothing(sa.Numeric(14, 2)) for _ in AMOUNTS],
            c.referenced,
            c.cycle,
        )
        .where(*conditions, won, c.cycle.is_not(None))
        .group_by(*dims, c.referenced, c.cycle)
    )
    found = []
    days: dict[tuple, tuple[dict, dict]] = {}
    for kind, *row in db.session.execute(sa.union_all(amounts, cycles)):
        key, currency, values = tuple(row[: len(dims)]), row[len(dims)], row[len(dims) + 1 :]
        if kind == 0:
            found.append((key, currency, values[: len(COUNTS)], values[len(COUNTS) : -2]))
            continue
        n, referenced, cycle = values[0], values[-2], values[-1]
        for group in {(), key}:
            histogram = days.setdefault(group, ({}, {}))[0 if referenced == 1 else 1]
            histogram[cycle] = histogram.get(cycle, 0) + int(n)
    medians = {
        group: _cycle_figures(
            _histogram_median(with_),
            sum(with_.values()),
            _histogram_median(without),
            sum(without.values()),
        )
        for group, (with_, without) in days.items()
    }
    return found, medians


def _cycle_figures(with_median, with_n, without_median, without_n) -> tuple:
    def days(value):
        return None if value is None else round(float(value), 1)

    return days(with_median), int(with_n or 0), days(without_median), int(without_n or 0)


def _money(value) -> float:
    return float(Decimal(str(value or 0)).quantize(Decimal("0.01")))


class _Group:
    """What one row of the table (or the whole report) adds up."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTS, 0)
        self.amounts: dict[str, dict[str, Decimal]] = {}

    def add(self, currency: str, counts, amounts) -> None:
        for name, n in zip(COUNTS, counts, strict=True):
            self.counts[name] += int(n or 0)
        held = self.amounts.setdefault(currency, dict.fromkeys(AMOUNTS, Decimal(0)))
        for name, value in zip(AMOUNTS, amounts, strict=True):
            held[name] += Decimal(str(value or 0))

    def amount(self, currency: str, name: str) -> float:
        return _money(self.amounts.get(currency, {}).get(name))


def _currencies(total: _Group) -> list[str]:
    """The program's currency first, then every other one among the opportunities."""
    return [CURRENCY_DEFAULT, *sorted(set(total.amounts) - {CURRENCY_DEFAULT})]


def _figures(total: _Group, cycle: tuple) -> dict:
    c = total.counts
    ww, lw, wo, lo = c["won_with"], c["lost_with"], c["won_without"], c["lost_without"]
    currencies = _currencies(total)

    def by_currency(name):
        return {currency: total.amount(currency, name) for currency in currencies}

    with_median, with_n, without_median, without_n = cycle
    return {
        "opportunities_with_reference": ww + lw,
        "won_with_reference": ww,
        "lost_with_reference": lw,
        "win_rate_with_reference": _rate(ww, ww + lw),
        "opportunities_without_reference": wo + lo,
        "won_without_reference": wo,
        "lost_without_reference": lo,
        "win_rate_without_reference": _rate(wo, wo + lo),
        "influenced_revenue": total.amount(CURRENCY_DEFAULT, "influenced"),
        "won_revenue": total.amount(CURRENCY_DEFAULT, "won"),
        "currency": CURRENCY_DEFAULT,
        "influenced_revenue_by_currency": by_currency("influenced"),
        "won_revenue_by_currency": by_currency("won"),
        "influenced_pipeline": total.amount(CURRENCY_DEFAULT, "pipeline"),
        "influenced_pipeline_by_currency": by_currency("pipeline"),
        "open_with_reference": c["open_with"],
        "median_cycle_days_with_reference": with_median,
        "cycle_sample_with_reference": with_n,
        "median_cycle_days_without_reference": without_median,
        "cycle_sample_without_reference": without_n,
    }


NO_CYCLE = (None, 0, None, 0)


def totals(params: Params) -> dict:
    """The report's figures without its breakdown (the program page and the API)."""
    total = _Group()
    rows, cycles = _aggregates(params, None)
    for _, currency, counts, amounts in rows:
        total.add(currency, counts, amounts)
    return _figures(total, cycles.get((), NO_CYCLE))


def report(params: Params) -> Report:
    """The table by quarter (default), team or industry, its chart and the figures."""
    _tune()
    by = params.filters.get("by", "quarter")
    groups: dict[tuple, _Group] = {}
    total = _Group()
    rows, cycles = _aggregates(params, by)
    for key, currency, counts, amounts in rows:
        groups.setdefault(key, _Group()).add(currency, counts, amounts)
        total.add(currency, counts, amounts)
    currencies = _currencies(total)
    others = currencies[1:]
    table = []
    for key, group in groups.items():
        c = group.counts
        ww, lw, wo, lo = c["won_with"], c["lost_with"], c["won_without"], c["lost_without"]
        table.append(
            [
                _group_name(by, key),
                ww + lw,
                ww,
                lw,
                _rate(ww, ww + lw),
                wo + lo,
                wo,
                lo,
                _rate(wo, wo + lo),
                group.amount(CURRENCY_DEFAULT, "influenced"),
                group.amount(CURRENCY_DEFAULT, "won"),
                c["open_with"],
                group.amount(CURRENCY_DEFAULT, "pipeline"),
                *cycles.get(key, NO_CYCLE),
                *[group.amount(cur, name) for cur in others for name in AMOUNTS],
            ]
        )
    table.sort(key=lambda row: row[0])
    chart = functools.partial(
        charts.bar,
        f"Win rate by {by}, with and without a reference (%)",
        [row[0] for row in table],
        {"With a reference": [row[4] for row in table], "Without": [row[8] for row in table]},
    )
    amount_names = ("Influenced revenue", "All won revenue", "Influenced pipeline")
    return Report(
        "value",
        REPORTS["value"],
        params,
        [
            label(by),
            "Opportunities with a reference",
            "Won",
            "Lost",
            "Win rate with %",
            "Opportunities without",
            "Won without",
            "Lost without",
            "Win rate without %",
            f"Influenced revenue ({CURRENCY_DEFAULT})",
            f"All won revenue ({CURRENCY_DEFAULT})",
            "Open with a reference",
            f"Influenced pipeline ({CURRENCY_DEFAULT})",
            "Median cycle days with",
            "Cycle sample with",
            "Median cycle days without",
            "Cycle sample without",
            *[f"{name} ({cur})" for cur in others for name in amount_names],
        ],
        table,
        _figures(total, cycles.get((), NO_CYCLE)),
        chart,
        notes="Win rates count opportunities closed in the range (n beside each rate); the "
        "pipeline is every deal open now with a reference; amounts are never added across "
        "currencies.",
    )
