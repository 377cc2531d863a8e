"""Per-advocate eligibility and matchable tags, kept current from one place: a flush hook.

Matching must not count every candidate's asks per window at request time (program rule 2), so
each advocate has one `advocate_eligibility` row: the first instant the overuse service lets
them be asked again (computed by calling that service, so the rule is written once), whether
advocate and account are active, the next blackout ahead, the fairness counts, and what
relevance compares (industry, product, use case, region, segment, seniority, language) in a
compact form (the multi-valued ones also as bit masks, see `value_bit`), the live asks in the
current windows (the whole account's too while the program caps accounts); the opted-in
activity types are a bit mask. One refresh costs a handful of statements however many advocates
it recomputes (see `_refresh`): one ask's flush, four.

`listen()` installs a session hook: whenever a flush touches an ask, a blackout, an advocate or
an account, the affected advocates' rows are recomputed in the same transaction (a new
program terms version takes everyone who has not accepted it out of matching), so every path
(pages, API, imports, the advocate's own preference pages) keeps them true without calling
this module. Bulk loads that write with Core inserts call `rebuild_eligibility()`; the rolling
90-day and 12-month counts and passed blackouts are refreshed on a schedule by
`flask refresh-eligibility` (which also recomputes rows whose window counts were never kept).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks import overuse
from portal.asks.eligibility_counts import FAIR_COUNTED, counts_of
from portal.asks.models import AdvocateEligibility, Ask
from portal.database import aware_utc, listen_to_flushes, now_utc
from portal.extensions import db
from portal.program import custom_field_matching
from portal.program.models import ProgramSetting, TaxonomyTerm
from portal.program.service import DEFAULT_LIMIT_KEYS, DEFAULTS
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
# Settings that change who may be asked across accounts: every row is recomputed.
PROTECTION_SETTINGS = ("account_max_per_month", "account_max_per_quarter", "account_min_nps")
# The program's default limits and cooldown: the rows of advocates without their own value.
DEFAULT_LIMIT_COLUMNS = {key: key.removeprefix("default_") for key in DEFAULT_LIMIT_KEYS}
# The settings computing a row reads (the overuse rules): what a refresh holds in memory.
ROW_SETTINGS = ("terms_version", *DEFAULT_LIMIT_KEYS, *PROTECTION_SETTINGS)
_PENDING = "portal.eligibility.pending"
_ALL = "portal.eligibility.all"
_SETTINGS = "portal.eligibility.settings_in_memory"


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


@dataclass(frozen=True)
class _Lookups:
    """What every row depends on besides the advocate's own records (see `_lookups`)."""

    settings: dict[str, object]  # the rows of program_settings, key -> value
    choice_keys: dict[str, frozenset[str]]  # custom_field_matching.choice_keys()
    terms: dict[tuple[str, str], int]  # term_ids()


@functools.cache
def _lookups_query() -> sa.CompoundSelect:
    text, number = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Integer)
    value = sa.cast(sa.null(), ProgramSetting.value.type)
    choices, terms = custom_field_matching.choice_keys_query(), _terms_query()
    setting = (ProgramSetting.key, text, number, ProgramSetting.value)
    return sa.union_all(
        sa.select(sa.literal("setting", sa.String), *setting),
        sa.select(sa.literal("choice", sa.String), *choices.selected_columns, number, value).where(
            choices.whereclause
        ),
        sa.select(sa.literal("term", sa.String), *terms.selected_columns, value).where(
            terms.whereclause
        ),
    )


def _lookups() -> _Lookups:
    """The program settings, the choice custom fields and the terms of the multi-valued kinds:
    three small tables in one round trip (they change rarely, but a cache would have to follow
    every writer; reading them is cheap once it is one statement)."""
    settings, choices, terms = {}, [], {}
    for source, first, second, number, value in db.session.execute(_lookups_query()):
        if source == "setting":
            settings[first] = value
        elif source == "choice":
            choices.append((first, second))
        else:
            terms[first, second] = number
    return _Lookups(settings, custom_field_matching.choice_keys(choices), terms)


def refresh_advocates(advocate_ids: Iterable[int], at: dt.datetime | None = None) -> int:
    """Recompute the eligibility rows of these advocates (Core writes, no ORM flush)."""
    ids = sorted({int(i) for i in advocate_ids if i is not None})
    if not ids:
        return 0
    lookups = _lookups()
    with settings_in_memory(lookups.settings, ROW_SETTINGS):
        return _refresh(at or now_utc(), lookups, ids=ids)


@functools.cache
def _advocates_query() -> sa.Select:
    """The advocates to refresh with their account, its Referenceability and their blackouts
    not yet over (one row per blackout), chosen by id, by account, or as colleagues of an
    advocate (same account)."""
    chosen, colleague = aliased(Advocate), aliased(Advocate)
    # One IN over a union, not an OR of INs: PostgreSQL answers that from the indexes, an OR
    # with a subquery by reading every advocate.
    ids = sa.union_all(
        sa.select(chosen.id).where(chosen.id.in_(sa.bindparam("ids", expanding=True))),
        sa.select(chosen.id).where(chosen.account_id.in_(sa.bindparam("accounts", expanding=True))),
        sa.select(chosen.id)
        .join(colleague, colleague.account_id == chosen.account_id)
        .where(colleague.id.in_(sa.bindparam("colleagues_of", expanding=True))),
    )
    not_over = Blackout.end >= sa.bindparam("blackouts_from", type_=Blackout.end.type)
    return (
        sa.select(Advocate, Referenceability, Blackout)
        .outerjoin(Referenceability, Referenceability.account_id == Advocate.account_id)
        .outerjoin(Blackout, sa.and_(Blackout.advocate_id == Advocate.id, not_over))
        .where(Advocate.id.in_(ids))
        .options(joinedload(Advocate.account))
        .order_by(Advocate.id, Blackout.start, Blackout.id)
    )


def _refresh(
    at: dt.datetime,
    lookups: _Lookups,
    ids: Iterable[int] = (),
    accounts: Iterable[int] = (),
    colleagues_of: Iterable[int] = (),
) -> int:
    """Recompute the rows of the advocates `ids`, of every advocate of `accounts` and of every
    colleague (same account) of `colleagues_of` (`lookups`: `_lookups()`, the settings in
    memory), in three statements however many they are: the advocates with what the row reads
    of them, their asks counted (`counts_of`), the write (and a DELETE if one of `ids` is gone).
    """
    ids = list(ids)
    advocates: dict[int, Advocate] = {}
    references: dict[int, Referenceability | None] = {}
    blackouts: dict[int, list[Blackout]] = {}
    for advocate, reference, blackout in db.session.execute(
        _advocates_query(),
        {
            "ids": ids,
            "accounts": list(accounts),
            "colleagues_of": list(colleagues_of),
            "blackouts_from": at.date() - dt.timedelta(days=2),
        },
    ):
        advocates[advocate.id] = advocate
        references[advocate.account_id] = reference
        if blackout is not None:
            blackouts.setdefault(advocate.id, []).append(blackout)
    # The account's live asks matter (and are kept) only while the program caps accounts:
    # turning a cap on recomputes every row (PROTECTION_SETTINGS).
    caps = any(cap is not None for cap in overuse.account_caps().values())
    counts = counts_of(list(advocates.values()), at, caps)
    rows = []
    for advocate in advocates.values():
        counted = counts[advocate.id]
        row = _row(
            advocate,
            at,
            blackouts.get(advocate.id, []),
            counted.used,
            references.get(advocate.account_id),
            counted.account_used,
            counted.rating,
            lookups.terms,
        )
        # Under their own names: the write computes `fairness` from them with the SQL formula.
        row.update(n_90d=counted.asks_90d, n_12m=counted.asks_12m, last_at=counted.last_asked_at)
        row["crit_custom"] = custom_field_matching.framed_values(advocate, lookups.choice_keys)
        rows.append(row)
    _write(rows, gone=set(ids) - set(advocates))
    return len(rows)


@functools.cache
def _write_statement(dialect: str) -> sa.Insert:
    """An upsert of rows where the database has one (PostgreSQL, SQLite), a plain insert
    elsewhere (the caller deletes first)."""
    table = AdvocateEligibility.__table__
    n_90d, n_12m = sa.bindparam("n_90d"), sa.bindparam("n_12m")
    last_at = sa.bindparam("last_at", type_=table.c.last_asked_at.type)
    computed = {
        "asks_90d": n_90d,
        "asks_12m": n_12m,
        "last_asked_at": last_at,
        "fairness": fairness_sql(n_90d, n_12m, last_at),
    }
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if upsert is None:
        return sa.insert(table).values(**computed)
    statement = upsert(table).values(**computed)
    return statement.on_conflict_do_update(
        index_elements=[table.c.advocate_id],
        set_={c.name: statement.excluded[c.name] for c in table.c if not c.primary_key},
    )


def _write(rows: list[dict], gone: set[int]) -> None:
    """Store the rows (one statement) and drop those of advocates `gone`."""
    table = AdvocateEligibility.__table__
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        gone = gone | {row["advocate_id"] for row in rows}
    if gone:
        connection.execute(sa.delete(table).where(table.c.advocate_id.in_(sorted(gone))))
    if rows:
        connection.execute(_write_statement(dialect), rows)


@contextlib.contextmanager
def settings_in_memory(stored: dict | None = None, keys: Iterable[str] = tuple(DEFAULTS)):
    """Settings read without a query each (bulk and read paths).

    get_setting() asks the session for the row: a key without a row costs a SELECT every time
    (four per advocate in the overuse limits), and so does a key with one once nothing holds
    the row (the identity map keeps only what is referenced). For each of `keys` this places in
    the identity map the row as stored (`stored`: {key: value} of program_settings, when read
    already) or, for a key without a row, one holding the default (not in the database, never
    flushed: they are clean); they are taken out again at the end so nothing can write them.
    Inside another call this one has nothing to do: the outer one placed them.
    """
    if db.session.info.get(_SETTINGS):
        yield
        return
    if stored is None:
        stored = dict(db.session.execute(sa.select(ProgramSetting.key, ProgramSetting.value)).all())
    present = db.session.identity_map
    placed = []
    for key in keys:
        if identity_key(ProgramSetting, key) in present:
            continue  # it answers already
        setting = ProgramSetting(key=key, value=stored[key] if key in stored else DEFAULTS[key])
        make_transient_to_detached(setting)  # as if loaded: clean
        db.session.add(setting)
        placed.append(setting)
    db.session.info[_SETTINGS] = True
    try:
        yield
    finally:
        db.session.info.pop(_SETTINGS, None)
        for setting in placed:
            if setting in db.session:
                db.session.expunge(setting)


def rebuild_eligibility(batch: int = 500, at: dt.datetime | None = None) -> int:
    """Recompute every advocate's rows (after a bulk load that bypassed the ORM); not committed."""
    db.session.flush()
    with settings_in_memory():
        return _rebuild(batch, at or now_utc())


def _rebuild(batch: int, at: dt.datetime) -> int:
    last, done = 0, 0
    while True:
        ids = db.session.scalars(
            sa.select(Advocate.id).where(Advocate.id > last).order_by(Advocate.id).limit(batch)
        ).all()
        if not ids:
            return done
        done += refresh_advocates(ids, at)
        # Keep memory flat over 100k advocates: let go of what this batch loaded.
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Advocate | Account) and not db.session.is_modified(obj):
                db.session.expunge(obj)
        last = ids[-1]


def refresh_fairness(at: dt.datetime | None = None) -> int:
    """The scheduled refresh: roll the 90-day and 12-month counts forward for everyone, and
    recompute advocates whose known blackout has passed (the next one may now be ahead)."""
    at = at or now_utc()
    table = AdvocateEligibility.__table__
    mine = Ask.advocate_id == table.c.advocate_id
    counted = Ask.status.in_(FAIR_COUNTED)

    def count_since(since):
        return (
            sa.select(sa.func.count())
            .select_from(Ask)
            .where(mine, counted, Ask.asked_at >= since)
            .scalar_subquery()
        )

    db.session.execute(
        sa.update(table).values(
            asks_90d=count_since(at - dt.timedelta(days=90)),
            asks_12m=count_since(at - dt.timedelta(days=365)),
            last_asked_at=sa.select(sa.func.max(Ask.asked_at))
            .where(mine, counted)
            .scalar_subquery(),
        )
    )
    db.session.execute(
        sa.update(table).values(
            fairness=fairness_sql(table.c.asks_90d, table.c.asks_12m, table.c.last_asked_at)
        )
    )
    passed = db.session.scalars(
        sa.select(table.c.advocate_id).where(table.c.blocked_until <= at)
    ).all()
    missing = db.session.scalars(
        sa.select(Advocate.id).where(
            sa.or_(
                ~sa.exists().where(table.c.advocate_id == Advocate.id),
                # Rows from before their window counts were kept (see AdvocateEligibility).
                sa.exists().where(table.c.advocate_id == Advocate.id, table.c.counted_on.is_(None)),
            )
        )
    ).all()
    for start in range(0, len(passed) + len(missing), 500):
        refresh_advocates((list(passed) + list(missing))[start : start + 500], at)
    return len(passed) + len(missing)


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


# -- the hook ---------------------------------------------------------------------------------


def refresh_consent(version: str) -> int:
    """After the program terms changed to `version`: advocates who have not accepted it leave
    matching at once (one UPDATE, however many they are); those who have are recomputed.
    Returns how many rows were recomputed."""
    table = AdvocateEligibility.__table__
    current = sa.and_(Advocate.consent_at.is_not(None), Advocate.consent_version == version)
    db.session.execute(
        sa.update(table)
        .where(
            table.c.active.is_(True),
            table.c.advocate_id.in_(sa.select(Advocate.id).where(~current)),
        )
        .values(active=False)
    )
    # Only when the version went back to one some advocates accepted: usually none.
    ids = db.session.scalars(
        sa.select(Advocate.id)
        .join(table, table.c.advocate_id == Advocate.id)
        .where(current, table.c.active.is_(False), Advocate.status == "active")
    ).all()
    for start in range(0, len(ids), 500):
        refresh_advocates(ids[start : start + 500])
    return len(ids)


def _collect(session, flush_context, instances) -> None:
    """Before a flush: note what touches eligibility (ids may not exist yet)."""
    pending = session.info.setdefault(_PENDING, [])
    for obj in (*session.new, *session.dirty):
        watched_setting = ("terms_version", *PROTECTION_SETTINGS, *DEFAULT_LIMIT_COLUMNS)
        if isinstance(obj, ProgramSetting) and obj.key in watched_setting:
            pending.append(obj)
    for obj in (*session.new, *session.dirty, *session.deleted):
        watched = isinstance(obj, Ask | Blackout | Account | Referenceability)
        if watched or (isinstance(obj, Advocate) and obj not in session.deleted):
            pending.append(obj)
    for obj in session.deleted:
        if isinstance(obj, Ask | Blackout):
            # Read the advocate id now: after the delete it may be gone from the object.
            pending.append(("advocate", obj.advocate_id))
    for obj in session.dirty:
        if isinstance(obj, Advocate):
            moved = sa.inspect(obj).attrs.account_id.history
            if moved.deleted:
                # Both accounts' live asks change (the rows keep them for the account caps).
                pending.extend(("account", i) for i in (*moved.deleted, *moved.added) if i)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, TaxonomyTerm) and obj.kind in MULTI_KINDS:
            # A value's bit follows its term (`value_bit`): the rows holding it move.
            pending.append(("term", obj.kind, obj.value))


def _affected(session, pending) -> tuple[set[int], set[int], set[int]]:
    """(advocate ids, account ids whose advocates all change, advocates whose colleagues
    change too): `_refresh` finds the advocates of the last two with the rows it reads."""
    ids, accounts, asked = set(), set(), set()
    table = AdvocateEligibility.__table__
    for obj in pending:
        if isinstance(obj, ProgramSetting):
            continue
        if isinstance(obj, tuple) and obj[0] == "term":
            column = table.c[MULTI_KINDS[obj[1]]]
            ids.update(
                session.scalars(
                    sa.select(table.c.advocate_id).where(
                        column.contains(f"|{obj[2]}|", autoescape=True)
                    )
                )
            )
        elif isinstance(obj, tuple) and obj[0] == "account":
            accounts.add(obj[1])
        elif isinstance(obj, tuple):
            ids.add(obj[1])
            asked.add(obj[1])
        elif isinstance(obj, Advocate):
            ids.add(obj.id)
        elif isinstance(obj, Account):
            accounts.add(obj.id)
        elif isinstance(obj, Referenceability):
            accounts.add(obj.account_id)
        elif obj not in session.deleted:
            ids.add(obj.advocate_id)
            if isinstance(obj, Ask):
                asked.add(obj.advocate_id)
    if not any(cap is not None for cap in overuse.account_caps().values()):
        # Only an account's caps make an ask count for its colleagues.
        asked = set()
    return ({i for i in ids if i is not None}, accounts - {None}, asked - {None})


def _apply(session, flush_context) -> None:
    """After the flush wrote the change: recompute the advocates it touched, same transaction."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    lookups = _lookups()
    # The settings read once, not once per rule and advocate.
    with settings_in_memory(lookups.settings, ROW_SETTINGS):
        _recompute(session, pending, lookups)


def _recompute(session, pending, lookups: _Lookups) -> None:
    ids, accounts, asked = _affected(session, pending)
    if ids or accounts or asked:
        _refresh(now_utc(), lookups, sorted(ids), sorted(accounts), sorted(asked))
    settings = [obj for obj in pending if isinstance(obj, ProgramSetting)]
    terms = [obj.value for obj in settings if obj.key == "terms_version"]
    if terms:
        refresh_consent(terms[-1])
    keys = {obj.key for obj in settings}
    defaults = [DEFAULT_LIMIT_COLUMNS[key] for key in keys if key in DEFAULT_LIMIT_COLUMNS]
    if keys & set(PROTECTION_SETTINGS) or defaults:
        # A default applies only to advocates who set no value of their own.
        whom = (
            sa.true()
            if keys & set(PROTECTION_SETTINGS)
            else sa.or_(*(getattr(Advocate, column).is_(None) for column in defaults))
        )
        last = 0
        while True:
            batch = session.scalars(
                sa.select(Advocate.id)
                .where(Advocate.id > last, whom)
                .order_by(Advocate.id)
                .limit(500)
            ).all()
            if not batch:
                break
            _refresh(now_utc(), lookups, batch)
            last = batch[-1]


def listen() -> None:
    """Install the hook on the application's session (once; safe to call again)."""
    listen_to_flushes(_PENDING, _collect, _apply)
