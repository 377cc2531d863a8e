"""Per-advocate eligibility and matchable tags, kept current from one place: a flush hook.

Matching reads one `advocate_eligibility` row per advocate (what it holds and how one is
computed: `portal.asks.eligibility_row`), and ranks over its narrow part, `match_rows`: every
writer here writes both, the same values in the same transaction (`WRITTEN`). One refresh costs
a handful of statements however many advocates it recomputes (see `_refresh`): one ask's
flush, five.

`listen()` installs a session hook: whenever a flush touches an ask, a blackout, an advocate or
an account, the affected advocates' rows are recomputed in the same transaction (a new
program terms version takes everyone who has not accepted it out of matching), so every path
(pages, API, imports, the advocate's own preference pages) keeps them true without calling
this module. Bulk loads that write with Core inserts call `rebuild_eligibility()`; the rolling
90-day and 12-month counts and passed blackouts are refreshed on a schedule by
`flask refresh-eligibility` (which also recomputes rows whose window counts were never kept).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks import overuse
from portal.asks.eligibility_counts import FAIR_COUNTED, counts_of
from portal.asks.eligibility_row import MULTI_KINDS, _row, _terms_query, fairness_sql
from portal.asks.models import AdvocateEligibility, Ask, MatchRow
from portal.database import listen_to_flushes, now_utc
from portal.extensions import db
from portal.program import custom_field_matching
from portal.program.models import ProgramSetting, TaxonomyTerm
from portal.program.service import DEFAULT_LIMIT_KEYS, settings_in_memory
from portal.recruiting.models import Referenceability

# Settings that change who may be asked across accounts: every row is recomputed.
PROTECTION_SETTINGS = ("account_max_per_month", "account_max_per_quarter", "account_min_nps")
# The program's default limits and cooldown: the rows of advocates without their own value.
DEFAULT_LIMIT_COLUMNS = {key: key.removeprefix("default_") for key in DEFAULT_LIMIT_KEYS}
# The settings computing a row reads (the overuse rules): what a refresh holds in memory.
ROW_SETTINGS = ("terms_version", *DEFAULT_LIMIT_KEYS, *PROTECTION_SETTINGS)
_PENDING = "portal.eligibility.pending"
_ALL = "portal.eligibility.all"


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
def _write_statement(dialect: str, table: sa.Table) -> sa.Insert:
    """An upsert of rows into `table` (the eligibility rows or their narrow part, `MatchRow`)
    where the database has one (PostgreSQL, SQLite), a plain insert elsewhere (the caller
    deletes first). The fairness counts come under their own names (see `_refresh`)."""
    n_90d, n_12m = sa.bindparam("n_90d"), sa.bindparam("n_12m")
    last_at = sa.bindparam("last_at", type_=AdvocateEligibility.__table__.c.last_asked_at.type)
    computed = {"fairness": fairness_sql(n_90d, n_12m, last_at)}
    if "asks_90d" in table.c:
        computed.update(asks_90d=n_90d, asks_12m=n_12m, last_asked_at=last_at)
    if "points" in table.c:
        computed["points"] = computed["fairness"] + sa.bindparam("standing_points")
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if upsert is None:
        return sa.insert(table).values(**computed)
    statement = upsert(table).values(**computed)
    return statement.on_conflict_do_update(
        index_elements=[table.c.advocate_id],
        set_={c.name: statement.excluded[c.name] for c in table.c if not c.primary_key},
    )


WRITTEN = (AdvocateEligibility.__table__, MatchRow.__table__)  # every row is written to both


def _write(rows: list[dict], gone: set[int]) -> None:
    """Store the rows, in the eligibility table and its narrow part (a statement each), and
    drop those of advocates `gone`."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        gone = gone | {row["advocate_id"] for row in rows}
    for table in WRITTEN:
        if gone:
            connection.execute(sa.delete(table).where(table.c.advocate_id.in_(sorted(gone))))
        if rows:
            connection.execute(_write_statement(dialect, table), _values(table, rows))


def _values(table: sa.Table, rows: list[dict]) -> list[dict]:
    """The rows as `table`'s upsert binds them: the eligibility table takes them as computed;
    the match rows their own columns and what the computed ones (fairness, points) are of."""
    if table is not MatchRow.__table__:
        return rows
    keys = [c.name for c in table.c if c.name not in ("fairness", "points")]
    keys += ["n_90d", "n_12m", "last_at"]
    return [{"standing_points": row["standing"], **{k: row[k] for k in keys}} for row in rows]


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
    narrow = MatchRow.__table__
    fairness = sa.func.coalesce(
        sa.select(table.c.fairness)
        .where(table.c.advocate_id == narrow.c.advocate_id)
        .scalar_subquery(),
        narrow.c.fairness,  # no eligibility row: recomputed below
    )
    db.session.execute(
        sa.update(narrow).values(fairness=fairness, points=fairness + narrow.c.standing)
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


# -- the hook ---------------------------------------------------------------------------------


def refresh_consent(version: str) -> int:
    """After the program terms changed to `version`: advocates who have not accepted it leave
    matching at once (one UPDATE, however many they are); those who have are recomputed.
    Returns how many rows were recomputed."""
    table = AdvocateEligibility.__table__
    current = sa.and_(Advocate.consent_at.is_not(None), Advocate.consent_version == version)
    for written in WRITTEN:
        db.session.execute(
            sa.update(written)
            .where(
                written.c.active.is_(True),
                written.c.advocate_id.in_(sa.select(Advocate.id).where(~current)),
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
