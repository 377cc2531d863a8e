"""Every count of an advocate's asks their eligibility row keeps, for many advocates in one
statement: fairness's, the overuse service's per calendar window in the advocate's time zone
(as `overuse.usage_of` counts), the whole account's (as `overuse.account_usage_of`) and the
requesters' ratings (as `eligibility_row.ratings_of`). The rows of one ask's flush read them in
one pass over the asks instead of a statement per rule and time zone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.models import Ask
from portal.database import aware_utc
from portal.extensions import db

# Asks that weigh on an advocate for fairness (a withdrawn ask never reached them in earnest).
FAIR_COUNTED = ("pending", "accepted", "declined", "expired", "completed")


@dataclass(frozen=True)
class Counts:
    """One advocate's asks as the row needs them (see `_counts_query`)."""

    asks_90d: int = 0
    asks_12m: int = 0
    last_asked_at: dt.datetime | None = None
    used: overuse.Usage = overuse.Usage(0, 0, 0, None)
    account_used: tuple[int, int] = (0, 0)
    rating: tuple[float, int] | None = None


PERIODS = ("month", "quarter", "year")
# The time zones one counting statement serves (a column per zone and window): a batch with
# more zones is counted in several statements.
ZONES_PER_COUNT = 8
# Where the window columns of `_counts_query` begin: advocate, account and six per advocate.
_WINDOWS = 8


def _one_of(column, values: Iterable[str]):
    """`column IN ('a', 'b')` with the values in the SQL itself (constants of the code, never
    input): nothing to expand on each run of a statement that tests them a dozen times."""
    if not all(value.isidentifier() for value in values):
        raise ValueError(f"not a status name: {values!r}")
    return column.in_([sa.literal_column(f"'{value}'") for value in values])


@functools.lru_cache(maxsize=2 * ZONES_PER_COUNT)
def _counts_query(zones: int, accounts: bool) -> sa.Select:
    """Every count the rows need, in one pass over the asks: fairness's (FAIR_COUNTED, 90 days
    and 12 months, the latest), the overuse service's per window of each of `zones` time zones
    (live asks, as `overuse.usage_of` counts them, and the latest), the requesters' ratings
    (as `eligibility_row.ratings_of`), and with `accounts` per advocate of the accounts the live
    asks in each zone's month and quarter, which add up to `overuse.account_usage_of`."""
    fair = _one_of(Ask.status, FAIR_COUNTED)
    live = _one_of(Ask.status, overuse.LIVE_ASK_STATUSES)
    rated = _one_of(Ask.status, ("completed",))

    def since(name):
        return Ask.asked_at >= sa.bindparam(name, type_=Ask.asked_at.type)

    def before(name):
        return Ask.asked_at < sa.bindparam(name, type_=Ask.asked_at.type)

    def count(*conditions):
        # The time bounds first: most asks are outside them, and the status is not then tested.
        return sa.func.count().filter(sa.and_(*conditions))

    columns = [
        count(since("since_90d"), fair),
        count(since("since_12m"), fair),
        sa.func.max(Ask.asked_at).filter(fair),
        sa.func.max(Ask.asked_at).filter(live),
        sa.func.avg(Ask.requester_rating).filter(rated),
        sa.func.count(Ask.requester_rating).filter(rated),
    ]
    for zone in range(zones):
        for period in PERIODS:
            columns.append(count(since(f"{period}_{zone}"), before(f"{period}_end_{zone}"), live))
        if accounts:  # the account's month runs to the quarter's end, as account_usage_of's
            quarter_end = before(f"quarter_end_{zone}")
            columns.append(count(since(f"month_{zone}"), quarter_end, live))
            columns.append(count(since(f"quarter_{zone}"), quarter_end, live))
    counted = _one_of(Ask.status, sorted({*FAIR_COUNTED, *overuse.LIVE_ASK_STATUSES}))
    if not accounts:
        return (
            sa.select(Ask.advocate_id, sa.null(), *columns)
            .where(Ask.advocate_id.in_(sa.bindparam("ids", expanding=True)), counted)
            .group_by(Ask.advocate_id)
        )
    # The asks by their advocates (the accounts' advocates first): a database left to choose
    # may read every ask of a status and keep those of the accounts. Of a colleague who is not
    # counted for their own row only the asks an account window may hold.
    advocates = sa.select(Advocate.id).where(
        Advocate.account_id.in_(sa.bindparam("accounts", expanding=True))
    )
    needed = sa.or_(Ask.advocate_id.in_(sa.bindparam("ids", expanding=True)), since("windows_from"))
    return (
        sa.select(Ask.advocate_id, Advocate.account_id, *columns)
        .join(Advocate, Advocate.id == Ask.advocate_id)
        .where(Ask.advocate_id.in_(advocates), counted, needed)
        .group_by(Ask.advocate_id, Advocate.account_id)
    )


def counts_of(advocates: list[Advocate], at: dt.datetime, accounts: bool) -> dict[int, Counts]:
    """`Counts` of each advocate (one statement per ZONES_PER_COUNT time zones among them);
    the account's live asks only with `accounts` (the program caps accounts), else zero."""
    by_zone: dict = {}
    for advocate in advocates:
        by_zone.setdefault(overuse.zone_of(advocate), []).append(advocate)
    zones = sorted(by_zone, key=str)
    found = {}
    for offset in range(0, len(zones), ZONES_PER_COUNT):
        chunk = zones[offset : offset + ZONES_PER_COUNT]
        mine = [advocate for zone in chunk for advocate in by_zone[zone]]
        params = {
            "since_90d": at - dt.timedelta(days=90),
            "since_12m": at - dt.timedelta(days=365),
        }
        params["ids"] = [advocate.id for advocate in mine]
        if accounts:
            params["accounts"] = sorted({advocate.account_id for advocate in mine})
        for n, zone in enumerate(chunk):
            for period, (start, end) in overuse.window_bounds(zone, at).items():
                params[f"{period}_{n}"], params[f"{period}_end_{n}"] = start, end
        if accounts:
            params["windows_from"] = min(params[f"quarter_{n}"] for n in range(len(chunk)))
        # Core on the session's connection: the ORM's execution layer has nothing to add here.
        rows = db.session.connection().execute(_counts_query(len(chunk), accounts), params).all()
        per_zone = 5 if accounts else 3
        # The account's live asks in each zone's windows: the sum over its advocates' rows.
        account_used: dict[tuple[int, int], list[int]] = {}
        for row in rows:
            for n in range(len(chunk) if accounts else 0):
                first = _WINDOWS + per_zone * n + 3
                used = account_used.setdefault((n, row[1]), [0, 0])
                used[0] += int(row[first])
                used[1] += int(row[first + 1])
        by_id = {row[0]: row for row in rows}
        for n, zone in enumerate(chunk):
            for advocate in by_zone[zone]:
                row = by_id.get(advocate.id)
                account = tuple(account_used.get((n, advocate.account_id), (0, 0)))
                if row is None:
                    found[advocate.id] = Counts(account_used=account)
                    continue
                first = _WINDOWS + per_zone * n
                month, quarter, year = row[first : first + 3]
                found[advocate.id] = Counts(
                    asks_90d=int(row[2]),
                    asks_12m=int(row[3]),
                    last_asked_at=aware_utc(row[4]),
                    used=overuse.Usage(int(month), int(quarter), int(year), aware_utc(row[5])),
                    account_used=account,
                    rating=(float(row[6]), int(row[7])) if row[7] else None,
                )
    return found
