"""Program rule 1, no overuse ever: may this advocate be asked for this activity now?

The one place that decides it. Every path that places an ask (manager pages, requester
self-service, API, imports) calls `check_can_ask` after `lock_advocate`, so two people asking
the same advocate at the same instant cannot both pass a limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks.models import Ask
from portal.database import aware_utc, lock_row, now_utc
from portal.errors import DomainError
from portal.extensions import db
from portal.program.service import get_setting
from portal.recruiting.models import Referenceability
from portal.vocab import label
from portal.zones import zone as zone_named

# An ask counts against the limits from the moment it is placed until it is declined,
# expired or withdrawn.
LIVE_ASK_STATUSES = ("pending", "accepted", "completed")


@dataclass(frozen=True)
class Refusal:
    """One broken rule, in words, and the first day it no longer applies (None: not by time)."""

    rule: str
    message: str
    free_from: dt.date | None = None


@dataclass(frozen=True)
class Limits:
    per_month: int
    per_quarter: int
    per_year: int
    min_days_between: int


class OveruseRefused(DomainError):
    """Placing the ask would break program rule 1; `refusals` lists every broken rule."""

    status = 409
    code = "overuse"

    def __init__(self, advocate: Advocate, refusals: list[Refusal]):
        self.refusals = refusals
        words = "; ".join(r.message for r in refusals)
        super().__init__(f"{advocate.name} can't be asked: {words}.", field="advocate_id")


def zone_of(advocate: Advocate) -> ZoneInfo:
    return zone_named(advocate.timezone)


def has_current_consent(advocate: Advocate) -> bool:
    """Whether the advocate accepted the program terms in force now (the one consent rule)."""
    return advocate.consent_at is not None and advocate.consent_version == get_setting(
        "terms_version"
    )


def effective_limits(advocate: Advocate) -> Limits:
    """The advocate's own limits, or the program defaults where they set none."""

    def pick(own, key):
        return own if own is not None else int(get_setting(key))

    return Limits(
        per_month=pick(advocate.max_per_month, "default_max_per_month"),
        per_quarter=pick(advocate.max_per_quarter, "default_max_per_quarter"),
        per_year=pick(advocate.max_per_year, "default_max_per_year"),
        min_days_between=pick(advocate.min_days_between, "default_min_days_between"),
    )


def window_starts(local_day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """First day of the calendar month, quarter and year containing `local_day`, and of the next."""
    month = local_day.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    quarter = month.replace(month=3 * ((month.month - 1) // 3) + 1)
    next_quarter = (quarter + dt.timedelta(days=95)).replace(day=1)
    year = local_day.replace(month=1, day=1)
    return {
        "month": (month, next_month),
        "quarter": (quarter, next_quarter),
        "year": (year, year.replace(year=year.year + 1)),
    }


def _utc_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def window_bounds(zone: ZoneInfo, at: dt.datetime) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The calendar month, quarter and year containing `at` in `zone`, as UTC [start, end)."""
    return {
        name: (_utc_start(first, zone), _utc_start(following, zone))
        for name, (first, following) in window_starts(at.astimezone(zone).date()).items()
    }


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class Usage:
    """How much of each window an advocate has used, as of one instant."""

    month: int
    quarter: int
    year: int
    last_asked_at: dt.datetime | None


def usage(advocate: Advocate, at: dt.datetime | None = None) -> Usage:
    """Live asks in the current calendar month, quarter and year (advocate's zone), one query."""
    return usage_of([advocate], at)[advocate.id]


def usage_of(advocates, at: dt.datetime | None = None) -> dict[int, Usage]:
    """`usage` of many advocates: one query per time zone among them, however many they are."""
    at = at or now_utc()
    by_zone: dict[ZoneInfo, list[int]] = {}
    for advocate in advocates:
        by_zone.setdefault(zone_of(advocate), []).append(advocate.id)
    found = {}
    for zone, ids in by_zone.items():
        bounds = window_bounds(zone, at)

        def in_window(name, bounds=bounds):
            start, end = bounds[name]
            inside = sa.and_(Ask.asked_at >= start, Ask.asked_at < end)
            return sa.func.coalesce(sa.func.sum(sa.case((inside, 1), else_=0)), 0)

        rows = db.session.execute(
            sa.select(
                Ask.advocate_id,
                in_window("month"),
                in_window("quarter"),
                in_window("year"),
                sa.func.max(Ask.asked_at),
            )
            .where(Ask.advocate_id.in_(ids), Ask.status.in_(LIVE_ASK_STATUSES))
            .group_by(Ask.advocate_id)
        )
        for advocate_id, month, quarter, year, last in rows:
            found[advocate_id] = Usage(int(month), int(quarter), int(year), aware_utc(last))
    never = Usage(0, 0, 0, None)
    return {advocate.id: found.get(advocate.id, never) for advocate in advocates}


# The customer success verdicts that keep an account's contacts from being asked.
NOT_ASKABLE_VERDICTS = ("not_now", "not_referenceable")


def references_of(account_ids) -> dict[int, Referenceability]:
    """Customer success's verdict per account (accounts without one are left out): one query."""
    ids = {i for i in account_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Referenceability).where(Referenceability.account_id.in_(ids))
    )
    return {row.account_id: row for row in rows}


def account_caps() -> dict[str, int | None]:
    """The program's live-ask caps per account: {"month": n or None, "quarter": n or None}."""
    found = {}
    for period in ("month", "quarter"):
        value = get_setting(f"account_max_per_{period}")
        found[period] = int(value) if value is not None else None
    return found


def account_usage_of(advocates, at: dt.datetime | None = None) -> dict[int, tuple[int, int]]:
    """Per advocate, the live asks of their whole account in the calendar month and quarter
    (the advocate's zone): one query per time zone among them."""
    at = at or now_utc()
    by_zone: dict[ZoneInfo, set[int]] = {}
    for advocate in advocates:
        by_zone.setdefault(zone_of(advocate), set()).add(advocate.account_id)
    counted: dict[tuple[ZoneInfo, int], tuple[int, int]] = {}
    for zone, accounts in by_zone.items():
        bounds = window_bounds(zone, at)
        month = bounds["month"][0]
        quarter, end = bounds["quarter"]

        def since(start, end=end):
            inside = sa.and_(Ask.asked_at >= start, Ask.asked_at < end)
            return sa.func.coalesce(sa.func.sum(sa.case((inside, 1), else_=0)), 0)

        # The asks by their advocates' ids: left to choose, SQLite reads every live ask and
        # keeps the accounts' (a quarter of a second for a thousand advocates).
        theirs = sa.select(Advocate.id).where(Advocate.account_id.in_(accounts))
        rows = db.session.execute(
            sa.select(Advocate.account_id, since(month), since(quarter))
            .join(Ask, Ask.advocate_id == Advocate.id)
            .where(
                Ask.advocate_id.in_(theirs),
                Ask.status.in_(LIVE_ASK_STATUSES),
                Ask.asked_at >= quarter,
            )
            .group_by(Advocate.account_id)
        )
        for account_id, in_month, in_quarter in rows:
            counted[(zone, account_id)] = (int(in_month), int(in_quarter))
    return {
        advocate.id: counted.get((zone_of(advocate), advocate.account_id), (0, 0))
        for advocate in advocates
    }


def current_blackouts(advocates, at: dt.datetime | None = None) -> dict[int, Blackout | None]:
    """Per advocate, the blackout covering `at`'s day in their zone that ends last (or None):
    one query for all of them, as `refusals` would find one by one."""
    at = at or now_utc()
    ids = [advocate.id for advocate in advocates]
    near = at.date()
    rows = db.session.scalars(
        sa.select(Blackout).where(
            Blackout.advocate_id.in_(ids),
            Blackout.start <= near + dt.timedelta(days=1),
            Blackout.end >= near - dt.timedelta(days=1),
        )
    ).all()
    return {
        advocate.id: covering_blackout(
            [b for b in rows if b.advocate_id == advocate.id],
            at.astimezone(zone_of(advocate)).date(),
        )
        for advocate in advocates
    }


def covering_blackout(blackouts, today: dt.date) -> Blackout | None:
    """Of an advocate's blackouts, the one covering `today` that ends last (None: not blocked)."""
    covering = [b for b in blackouts if b.start <= today <= b.end]
    return max(covering, key=lambda b: b.end) if covering else None


_UNKNOWN = object()


def refusals(
    advocate: Advocate,
    activity_type: str | None,
    at: dt.datetime | None = None,
    *,
    used: Usage | None = None,
    blackout=_UNKNOWN,
    reference=_UNKNOWN,
    account_used: tuple[int, int] | None = None,
) -> list[Refusal]:
    """Every rule that forbids asking `advocate` for `activity_type` at `at` (now by default).

    Bulk callers may pass what they fetched for many advocates at once: `used` (from
    `usage_of`), `blackout` (the blackout covering `at`'s day that ends last, or None),
    `reference` (the account's Referenceability, or None; `references_of`) and `account_used`
    (the account's live asks this month and quarter; `account_usage_of`).
    """
    at = at or now_utc()
    zone = zone_of(advocate)
    today = at.astimezone(zone).date()
    found: list[Refusal] = []

    if advocate.status != "active":
        found.append(
            Refusal("advocate_status", f"the advocate is {label(advocate.status).lower()}")
        )
    if not has_current_consent(advocate):
        found.append(Refusal("consent", "has not accepted the current program terms"))
    account = db.session.get(Account, advocate.account_id)
    if account.status != "active":
        found.append(
            Refusal(
                "account_status", f"the account {account.name} is {label(account.status).lower()}"
            )
        )
    if reference is _UNKNOWN:
        reference = references_of([advocate.account_id]).get(advocate.account_id)
    found.extend(protection_refusals(account, reference))
    if activity_type is not None and activity_type not in (advocate.activity_types or []):
        found.append(
            Refusal("activity_type", f"not opted into {label(activity_type).lower()} requests")
        )
    if advocate.paused_until is not None and advocate.paused_until > today:
        found.append(
            Refusal("paused", f"paused until {_day(advocate.paused_until)}", advocate.paused_until)
        )
    if blackout is _UNKNOWN:
        blackout = covering_blackout(
            db.session.scalars(
                sa.select(Blackout).where(
                    Blackout.advocate_id == advocate.id,
                    Blackout.start <= today,
                    Blackout.end >= today,
                )
            ),
            today,
        )
    if blackout is not None:
        why = f" ({blackout.reason})" if blackout.reason else ""
        free = blackout.end + dt.timedelta(days=1)
        found.append(
            Refusal("blackout", f"in a blackout period{why} until {_day(blackout.end)}", free)
        )

    limits = effective_limits(advocate)
    if used is None:
        used = usage(advocate, at)
    windows = window_starts(today)
    for name, period, count, limit in (
        ("monthly_limit", "month", used.month, limits.per_month),
        ("quarterly_limit", "quarter", used.quarter, limits.per_quarter),
        ("yearly_limit", "year", used.year, limits.per_year),
    ):
        if count >= limit:
            free = windows[period][1]
            adjective = name.split("_")[0]
            found.append(
                Refusal(name, f"{adjective} limit of {limit} reached until {_day(free)}", free)
            )
    caps = account_caps()
    if any(cap is not None for cap in caps.values()):
        if account_used is None:
            account_used = account_usage_of([advocate], at)[advocate.id]
        for name, period, count in (
            ("account_monthly_limit", "month", account_used[0]),
            ("account_quarterly_limit", "quarter", account_used[1]),
        ):
            cap = caps[period]
            if cap is not None and count >= cap:
                free = windows[period][1]
                found.append(
                    Refusal(
                        name,
                        f"the account {account.name} already has {count} live "
                        f"ask{'' if count == 1 else 's'} this {period}, the account limit of "
                        f"{cap} per {period} is reached until {_day(free)}",
                        free,
                    )
                )
    if used.last_asked_at is not None and limits.min_days_between > 0:
        last_day = used.last_asked_at.astimezone(zone).date()
        free = last_day + dt.timedelta(days=limits.min_days_between)
        if today < free:
            days = (today - last_day).days
            ago = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
            found.append(
                Refusal(
                    "cooldown",
                    f"last asked {ago}, {limits.min_days_between} days must pass between asks, "
                    f"free from {_day(free)}",
                    free,
                )
            )
    return found


def protection_refusals(account: Account, reference: Referenceability | None) -> list[Refusal]:
    """Customer success's word on the account: not referenceable (or not now), at risk, or an
    NPS below the program's floor keeps every contact there from being asked (not by time)."""
    if reference is None:
        return []
    found = []
    why = f" ({reference.reason})" if reference.reason else ""
    if reference.status in NOT_ASKABLE_VERDICTS:
        found.append(
            Refusal(
                "not_referenceable",
                f"customer success marked the account {account.name} "
                f"{label(reference.status).lower()}{why}",
            )
        )
    if reference.health == "at_risk":
        found.append(
            Refusal("account_at_risk", f"the account {account.name} is at risk (customer success)")
        )
    floor = get_setting("account_min_nps")
    if floor is not None and reference.nps is not None and reference.nps < int(floor):
        found.append(
            Refusal(
                "account_nps",
                f"the account {account.name} has an NPS of {reference.nps}, "
                f"below the program's floor of {floor}",
            )
        )
    return found


def free_from(found: list[Refusal]) -> dt.date | None:
    """The first day every time-bound refusal has passed; None if one is not about time."""
    if any(r.free_from is None for r in found):
        return None
    return max(r.free_from for r in found) if found else None


def lock_advocate(advocate_id: int) -> None:
    """Serialize ask placement for one advocate, and for their account, until the transaction
    ends (the account caps count every advocate of the account).

    PostgreSQL: row locks, always the account first and then the advocate (one order, so two
    placements never wait on each other). SQLite: a no-op UPDATE takes the database's write
    lock (SQLite has no row locks), so a second writer waits for the first to commit before it
    counts.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        account_id = db.session.scalar(
            sa.select(Advocate.account_id).where(Advocate.id == advocate_id)
        )
        if account_id is not None:
            lock_row(Account, account_id)
    lock_row(Advocate, advocate_id)


def check_can_ask(advocate: Advocate, activity_type: str | None, at: dt.datetime | None = None):
    """Raise OveruseRefused naming every broken rule; call after lock_advocate."""
    found = refusals(advocate, activity_type, at)
    if found:
        raise OveruseRefused(advocate, found)
