"""One advocate's eligibility row: what it holds, computed from the overuse rules, and read back.

Matching must not count every candidate's asks per window at request time (program rule 2), so
each advocate has one `advocate_eligibility` row: the first instant the overuse service lets
them be asked again (computed by calling that service, so the rule is written once), whether
advocate and account are active, the next blackout ahead, the fairness counts, and what
relevance compares (industry, product, use case, region, segment, seniority, language) in a
compact form (the multi-valued ones also as bit masks, see `value_bit`), the live asks in the
current windows (the whole account's too while the program caps accounts); the opted-in
activity types are a bit mask. `portal.asks.eligibility` keeps the rows current.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.models import AdvocateEligibility, Ask
from portal.database import aware_utc
from portal.extensions import db
from portal.program.models import TaxonomyTerm
from portal.recruiting.models import Referenceability
from portal.vocab import ACTIVITY_TYPES

# Request criteria key -> tag kind.
CRITERIA_KINDS = {
    "industries": "industry",
    "products": "product",
    "use_cases": "use_case",
    "regions": "region",
    "segments": "segment",
    "seniorities": "seniority",
    "languages": "language",
}
SINGLE_KINDS = ("industry", "region", "segment", "seniority")  # one value per advocate
MULTI_KINDS = {"product": "products", "use_case": "use_cases", "language": "languages"}
# The bit mask column of each multi-valued kind (see `value_bit`).
MASK_COLUMNS = {kind: f"{kind}_bits" for kind in MULTI_KINDS}
# A value's bit: a term's id modulo TERM_BITS (bits 0-47); a value no term names (legacy data)
# one of the HASH_BITS above them by a checksum of the value. Several values may share a bit
# (more terms than bits): a mask answers "surely not" exactly, "yes" only when the bit is the
# requested value's alone, and matching reads the framed text for the rest.
TERM_BITS = 48
HASH_BITS = 15
ACTIVITY_BITS = {activity: 1 << n for n, activity in enumerate(ACTIVITY_TYPES)}
# Rules that take an advocate out of matching until someone acts (not by time): status, and
# consent to the current program terms.
STATUS_RULES = frozenset({"advocate_status", "account_status", "consent"})
# Fairness, in tenths of a score point: never asked rises most; each ask in the last 90 days
# sinks an advocate by 0.6 in all (it also counts in the 12 months), an older one by 0.1.
NEVER_ASKED = 15
FAIRNESS_BASE = 10
PER_ASK_90D = 5
PER_ASK_12M = 1
FAIRNESS_FLOOR = -30
# Standing, in tenths of a score point: customer success's word on the account and the
# requesters' ratings of the advocate's past calls (see `standing_parts`).
HEALTH_POINTS = {"healthy": 20, "watch": -10}
PROMOTER_NPS, PROMOTER_POINTS = 50, 10
DETRACTOR_POINTS = -10  # an NPS below 0
RATING_POINTS = ((4.5, 20), (4.0, 10), (3.0, 0), (0.0, -20))  # average at least -> points
STANDING_MAX = HEALTH_POINTS["healthy"] + PROMOTER_POINTS + RATING_POINTS[0][1]


def fairness_sql(asks_90d, asks_12m, last_asked_at):
    """The fairness points as a SQL expression of the three counts (one formula, bulk or not)."""
    raw = FAIRNESS_BASE - PER_ASK_90D * asks_90d - PER_ASK_12M * asks_12m
    return sa.case(
        (last_asked_at.is_(None), NEVER_ASKED), (raw < FAIRNESS_FLOOR, FAIRNESS_FLOOR), else_=raw
    )


def tags_of(advocate: Advocate) -> set[tuple[str, str]]:
    """What relevance compares for one advocate, the account's facts included."""
    account = advocate.account
    tags = {("industry", account.industry), ("region", account.region)}
    tags.add(("segment", account.segment))
    if advocate.seniority:
        tags.add(("seniority", advocate.seniority))
    for product in set(advocate.products or []) | set(account.products or []):
        tags.add(("product", product))
    tags.update(("use_case", value) for value in advocate.use_cases or [])
    tags.update(("language", value) for value in advocate.languages or [])
    return {(kind, value) for kind, value in tags if value}


def framed(values: Iterable[str]) -> str:
    """'|a|b|': multi-valued criteria as one string that `LIKE '%|a|%'` searches exactly."""
    values = sorted({v for v in values if v})
    return f"|{'|'.join(values)}|" if values else ""


def _terms_query(kinds: Iterable[str] = tuple(MULTI_KINDS)) -> sa.Select:
    return sa.select(TaxonomyTerm.kind, TaxonomyTerm.value, TaxonomyTerm.id).where(
        TaxonomyTerm.kind.in_(sorted(kinds))
    )


def term_ids(kinds: Iterable[str] = tuple(MULTI_KINDS)) -> dict[tuple[str, str], int]:
    """{(kind, value): term id} of every term of `kinds`, retired ones too (one statement)."""
    rows = db.session.execute(_terms_query(kinds))
    return {(kind, value): term_id for kind, value, term_id in rows}


def value_bit(kind: str, value: str, ids: dict[tuple[str, str], int]) -> int:
    """The bit of one value of a multi-valued kind: its term's id picks it (stable however
    terms are added, reordered, retired or merged); a value without a term, its checksum."""
    term_id = ids.get((kind, value))
    if term_id is not None:
        return 1 << (term_id % TERM_BITS)
    return 1 << (TERM_BITS + zlib.crc32(value.encode()) % HASH_BITS)


def mask_of(kind: str, values: Iterable[str], ids: dict[tuple[str, str], int]) -> int:
    mask = 0
    for value in values:
        if value:
            mask |= value_bit(kind, value, ids)
    return mask


def criteria_columns(advocate: Advocate, ids: dict[tuple[str, str], int] | None = None) -> dict:
    """The compact criteria of one advocate for its eligibility row (see `tags_of`); `ids`:
    `term_ids()`, read once for many advocates."""
    ids = term_ids() if ids is None else ids
    tags = tags_of(advocate)
    columns = {kind: None for kind in SINGLE_KINDS}
    multi: dict[str, list[str]] = {column: [] for column in MULTI_KINDS.values()}
    for kind, value in tags:
        if kind in MULTI_KINDS:
            multi[MULTI_KINDS[kind]].append(value)
        else:
            columns[kind] = value[:64]
    columns.update({column: framed(values) for column, values in multi.items()})
    for kind, column in MULTI_KINDS.items():
        columns[MASK_COLUMNS[kind]] = mask_of(kind, multi[column], ids)
    return columns


def activity_bits(activity_types) -> int:
    bits = 0
    for activity in activity_types or []:
        bits |= ACTIVITY_BITS.get(activity, 0)
    return bits


def standing_parts(
    reference: Referenceability | None, rating: float | None, rated: int
) -> list[tuple[str, int]]:
    """What weighs in an advocate's standing, in words, with its points in tenths: the
    account's health and NPS, and the average requester rating of their past calls."""
    parts = []
    if reference is not None and reference.health in HEALTH_POINTS:
        words = {"healthy": "Healthy account", "watch": "Account on watch"}[reference.health]
        parts.append((words, HEALTH_POINTS[reference.health]))
    if reference is not None and reference.nps is not None:
        if reference.nps >= PROMOTER_NPS:
            parts.append((f"Account NPS {reference.nps}", PROMOTER_POINTS))
        elif reference.nps < 0:
            parts.append((f"Account NPS {reference.nps}", DETRACTOR_POINTS))
    if rating is not None and rated:
        points = next(p for floor, p in RATING_POINTS if rating >= floor)
        calls = f"{rated} past call{'' if rated == 1 else 's'}"
        parts.append((f"Rated {rating:.1f}/5 on {calls}", points))
    return parts


def ratings_of(advocate_ids) -> dict[int, tuple[float, int]]:
    """Average requester rating and how many rated, of each advocate's completed asks."""
    ids = list(advocate_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Ask.advocate_id, sa.func.avg(Ask.requester_rating), sa.func.count())
        .where(
            Ask.advocate_id.in_(ids),
            Ask.status == "completed",
            Ask.requester_rating.is_not(None),
        )
        .group_by(Ask.advocate_id)
    )
    return {row[0]: (float(row[1]), int(row[2])) for row in rows}


def _local_start(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _row(
    advocate: Advocate,
    at: dt.datetime,
    blackouts: list,
    used: overuse.Usage,
    reference: Referenceability | None = None,
    account_used: tuple[int, int] = (0, 0),
    rating: tuple[float, int] | None = None,
    ids: dict[tuple[str, str], int] | None = None,
) -> dict:
    """The eligibility row of one advocate as of `at`, from the overuse service's refusals;
    `blackouts` are the advocate's not yet over, by start; `used` their live asks per window,
    `account_used` their account's; `reference` customer success's word on the account;
    `rating` the average requester rating of their past calls and how many; `ids`:
    `term_ids()`."""
    zone = overuse.zone_of(advocate)
    today = at.astimezone(zone).date()
    current = overuse.covering_blackout(blackouts, today)
    found = overuse.refusals(
        advocate,
        None,
        at,
        used=used,
        blackout=current,
        reference=reference,
        account_used=account_used,
    )
    active = not any(r.rule in STATUS_RULES for r in found)
    timed = [r for r in found if r.rule not in STATUS_RULES]
    day = overuse.free_from(timed)
    if timed and day is None:  # a rule not bound by time: never askable until something changes
        active = False
    ahead = next((b for b in blackouts if b.start > today), None)
    return {
        "advocate_id": advocate.id,
        "active": active,
        "askable_from": _local_start(day, zone) if day else None,
        "blocked_from": _local_start(ahead.start, zone) if ahead else None,
        "blocked_until": _local_start(ahead.end + dt.timedelta(days=1), zone) if ahead else None,
        "account_key": (advocate.account.name or "").strip().casefold()[:200],
        "status": advocate.status,
        "activity_bits": activity_bits(advocate.activity_types),
        "refreshed_at": at,
        "standing": sum(points for _, points in standing_parts(reference, *(rating or (None, 0)))),
        "counted_on": today,
        "used_month": used.month,
        "used_quarter": used.quarter,
        "used_year": used.year,
        "last_live_at": used.last_asked_at,
        "account_used_month": account_used[0],
        "account_used_quarter": account_used[1],
        **criteria_columns(advocate, ids),
    }


def stored_usage(row, zone, at: dt.datetime) -> tuple[overuse.Usage, tuple[int, int]] | None:
    """The advocate's live asks per window as of `at` (as `overuse.usage_of` counts them) and
    their account's this month and quarter (`overuse.account_usage_of`), from their eligibility
    row; None when the row can't tell (`at` in an earlier window than the row's count, or never
    counted). `row` has the columns counted_on, used_*, last_live_at and account_used_*; `zone`
    is the advocate's."""
    if row.counted_on is None:
        return None
    now = overuse.window_starts(at.astimezone(zone).date())
    then = overuse.window_starts(row.counted_on)
    last = aware_utc(row.last_live_at)
    last_day = last.astimezone(zone).date() if last is not None else None
    same = {}
    for period in ("month", "quarter", "year"):
        if now[period][0] < then[period][0]:
            return None  # an earlier window than the row's: only counting knows
        same[period] = now[period][0] == then[period][0]
        # A later window holds no live ask unless one was placed for a day in it.
        if not same[period] and last_day is not None and last_day >= now[period][0]:
            return None
    # The same window: as counted (every live ask since changed the row, and, the account's
    # caps being on, every colleague's did: see `_advocate_ids`).
    used = overuse.Usage(
        row.used_month if same["month"] else 0,
        row.used_quarter if same["quarter"] else 0,
        row.used_year if same["year"] else 0,
        last,
    )
    account = (
        row.account_used_month if same["month"] else 0,
        row.account_used_quarter if same["quarter"] else 0,
    )
    return used, account


def eligibility_of(advocate_id: int):
    """The stored row (a Core row, never a stale ORM object), or None."""
    table = AdvocateEligibility.__table__
    return db.session.execute(sa.select(table).where(table.c.advocate_id == advocate_id)).first()


def tag_set(advocate_id: int) -> set[tuple[str, str]]:
    """The (kind, value) criteria stored on an advocate's eligibility row."""
    row = eligibility_of(advocate_id)
    if row is None:
        return set()
    found = {(kind, getattr(row, kind)) for kind in SINGLE_KINDS if getattr(row, kind)}
    for kind, column in MULTI_KINDS.items():
        found.update((kind, value) for value in getattr(row, column).split("|") if value)
    return found
