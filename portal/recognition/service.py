"""Recognition: scorecards for the people who bring advocates in, and the leaderboard.

For a period (a calendar quarter by default, or a month or a year), each figure is one grouped
query for everyone at once, so a page costs the same few queries for five people as for five
thousand. Definitions (shown on the page too):

- nominations: contacts the person nominated in the period (advocates created with them as
  `nominated_by`);
- activated: of those nominations, the ones who joined the program (active or paused now, or
  gave their consent);
- references delivered: asks completed in the period by advocates the person nominated (at any
  time);
- for a CSM, the same about the accounts they look after (`accounts.csm_id`): advocates at their
  accounts nominated in the period who joined, asks those advocates completed in the period, and
  the activity points those advocates earned in the period.

Everyone on staff sees their own scorecard; the program team and executives see all of them
(`recognition.all`). The leaderboard (top 10 by references delivered and by activations) is
shown to all staff only while the program setting `leaderboard_enabled` is on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.benefits.models import LedgerEntry
from portal.database import now_utc
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.program.service import get_setting, set_setting

LEADERBOARD_SETTING = "leaderboard_enabled"
FREQUENCY_SETTING = "executive_summary_frequency"
FREQUENCIES = ("off", "weekly", "monthly")
LEADERBOARD_SIZE = 10
JOINED = ("active", "paused")
FIRST_YEAR = 2000  # the first year a period may be in


# -- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year: `start` inclusive, `end` exclusive."""

    kind: str  # month | quarter | year
    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.start.strftime("%B %Y")

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), dt.UTC)

    def shifted(self, steps: int) -> Period:
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind] * steps
        return period_of(self.kind, _add_months(self.start, months))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(kind: str, day: dt.date) -> Period:
    """The month, quarter or year that holds `day`."""
    if kind == "year":
        return Period("year", dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    if kind == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period("quarter", start, _add_months(start, 3))
    start = dt.date(day.year, day.month, 1)
    return Period("month", start, _add_months(start, 1))


_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


def parse_period(text: str | None, today: dt.date | None = None) -> Period:
    """'2026-Q4', '2026-12' or '2026'; empty: this quarter. ValidationFailed names `period`."""
    today = today or now_utc().date()
    if not text:
        return period_of("quarter", today)
    found = _PERIOD.match(text.strip())
    year = int(found.group(1)) if found else 0
    if not found or not FIRST_YEAR <= year <= today.year + 1:
        raise ValidationFailed(
            f"Choose a quarter (2026-Q4), a month (2026-12) or a year (2026) from {FIRST_YEAR} on.",
            field="period",
        )
    if found.group(2):
        return period_of("quarter", dt.date(year, (int(found.group(2)) - 1) * 3 + 1, 1))
    if found.group(3):
        return period_of("month", dt.date(year, int(found.group(3)), 1))
    return period_of("year", dt.date(year, 1, 1))


# -- scorecards -------------------------------------------------------------------------------


@dataclass
class Scorecard:
    """One person's figures for a period (the CSM part only for CSMs)."""

    user: User
    nominations: int = 0
    activated: int = 0
    references: int = 0
    account_activated: int = 0
    account_references: int = 0
    account_points: int = 0

    @property
    def is_csm(self) -> bool:
        return self.user.role == "csm"

    @property
    def activation_rate(self) -> float | None:
        return round(100.0 * self.activated / self.nominations, 1) if self.nominations else None

    def as_dict(self) -> dict:
        data = {
            "user_id": self.user.id,
            "name": self.user.name,
            "role": self.user.role,
            "team": self.user.team,
            "nominations": self.nominations,
            "activated": self.activated,
            "references_delivered": self.references,
        }
        data["accounts"] = (
            {
                "activated": self.account_activated,
                "references_delivered": self.account_references,
                "points_earned": self.account_points,
            }
            if self.is_csm
            else None
        )
        return data


@dataclass
class Scorecards:
    period: Period
    cards: list[Scorecard]
    everyone: bool  # the viewer sees all scorecards, not only their own
    leaderboard: dict[str, list[Scorecard]] | None = None
    leaderboard_enabled: bool = False
    totals: dict = field(default_factory=dict)


def _in(column, period: Period):
    return sa.and_(column >= period.start_at, column < period.end_at)


def _joined():
    return sa.or_(Advocate.status.in_(JOINED), Advocate.consent_at.is_not(None))


def _count(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _nominator_figures(period: Period, only: int | None) -> dict[int, tuple[int, int]]:
    """{user id: (nominations, activated)} for nominations made in the period."""
    query = (
        sa.select(
            Advocate.nominated_by_id,
            sa.func.count(Advocate.id),
            _count(_joined()),
        )
        .where(Advocate.nominated_by_id.is_not(None), _in(Advocate.created_at, period))
        .group_by(Advocate.nominated_by_id)
    )
    if only is not None:
        query = query.where(Advocate.nominated_by_id == only)
    return {uid: (int(n), int(a)) for uid, n, a in db.session.execute(query)}


def _nominator_references(period: Period, only: int | None) -> dict[int, int]:
    """{user id: asks completed in the period by the advocates they nominated}."""
    query = (
        sa.select(Advocate.nominated_by_id, sa.func.count(Ask.id))
        .join(Advocate, Advocate.id == Ask.advocate_id)
        .where(
            Advocate.nominated_by_id.is_not(None),
            Ask.status == "completed",
            _in(Ask.completed_at, period),
        )
        .group_by(Advocate.nominated_by_id)
    )
    if only is not None:
        query = query.where(Advocate.nominated_by_id == only)
    return {uid: int(n) for uid, n in db.session.execute(query)}


def _csm_activated(period: Period, only: int | None) -> dict[int, int]:
    query = (
        sa.select(Account.csm_id, sa.func.count(Advocate.id))
        .join(Account, Account.id == Advocate.account_id)
        .where(Account.csm_id.is_not(None), _in(Advocate.created_at, period), _joined())
        .group_by(Account.csm_id)
    )
    if only is not None:
        query = query.where(Account.csm_id == only)
    return {uid: int(n) for uid, n in db.session.execute(query)}


def _csm_references(period: Period, only: int | None) -> dict[int, int]:
    query = (
        sa.select(Account.csm_id, sa.func.count(Ask.id))
        .join(Advocate, Advocate.id == Ask.advocate_id)
        .join(Account, Account.id == Advocate.account_id)
        .where(
            Account.csm_id.is_not(None), Ask.status == "completed", _in(Ask.completed_at, period)
        )
        .group_by(Account.csm_id)
    )
    if only is not None:
        query = query.where(Account.csm_id == only)
    return {uid: int(n) for uid, n in db.session.execute(query)}


def _csm_points(period: Period, only: int | None) -> dict[int, int]:
    """{CSM id: activity points earned in the period by advocates at their accounts}."""
    query = (
        sa.select(Account.csm_id, sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0))
        .join(Advocate, Advocate.id == LedgerEntry.advocate_id)
        .join(Account, Account.id == Advocate.account_id)
        .where(
            Account.csm_id.is_not(None),
            LedgerEntry.reason == "activity",
            _in(LedgerEntry.created_at, period),
        )
        .group_by(Account.csm_id)
    )
    if only is not None:
        query = query.where(Account.csm_id == only)
    return {uid: int(n) for uid, n in db.session.execute(query)}


def sees_all(viewer) -> bool:
    return can(viewer, "recognition.all")


def check_view(viewer) -> None:
    """Staff and executives see scorecards (their own, or everyone's); nobody else."""
    demand(viewer, "recognition.view", "Only staff and executives see scorecards.")


def leaderboard_enabled() -> bool:
    return bool(get_setting(LEADERBOARD_SETTING))


def scorecards(viewer, period: Period) -> Scorecards:
    """The scorecards `viewer` may see for `period`: their own (staff), or everyone's (the
    program team and executives), with the leaderboard when they may see it. Seven queries."""
    check_view(viewer)
    everyone = sees_all(viewer)
    only = None if everyone else viewer.id
    nominated = _nominator_figures(period, only)
    references = _nominator_references(period, only)
    activated = _csm_activated(period, only)
    account_refs = _csm_references(period, only)
    points = _csm_points(period, only)
    ids = set(nominated) | set(references) | set(activated) | set(account_refs) | set(points)
    if everyone:
        # Every CSM has a scorecard, also with nothing in the period yet.
        people = sa.select(User).where(
            sa.or_(User.id.in_(ids), sa.and_(User.role == "csm", User.active.is_(True)))
        )
    else:
        people = sa.select(User).where(User.id == viewer.id)
    cards = []
    for user in db.session.scalars(people.order_by(User.name, User.id)):
        noms, joined = nominated.get(user.id, (0, 0))
        cards.append(
            Scorecard(
                user,
                nominations=noms,
                activated=joined,
                references=references.get(user.id, 0),
                account_activated=activated.get(user.id, 0),
                account_references=account_refs.get(user.id, 0),
                account_points=points.get(user.id, 0),
            )
        )
    enabled = leaderboard_enabled()
    board = None
    if everyone or enabled:
        board = _leaderboard(period) if not everyone else _rank(cards)
    totals = {
        "nominations": sum(c.nominations for c in cards),
        "activated": sum(c.activated for c in cards),
        "references": sum(c.references for c in cards),
    }
    return Scorecards(period, cards, everyone, board, enabled, totals if everyone else {})


def _rank(cards: list[Scorecard]) -> dict[str, list[Scorecard]]:
    def top(key):
        ranked = [c for c in cards if key(c) > 0]
        ranked.sort(key=lambda c: (-key(c), c.user.name.lower(), c.user.id))
        return ranked[:LEADERBOARD_SIZE]

    return {
        "references": top(lambda c: c.references),
        "activations": top(lambda c: c.activated),
    }


def _leaderboard(period: Period) -> dict[str, list[Scorecard]]:
    """The top nominators for a staff viewer (who sees only their own scorecard otherwise)."""
    nominated = _nominator_figures(period, None)
    references = _nominator_references(period, None)
    ids = set(nominated) | set(references)
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids))) if ids else []
    cards = [
        Scorecard(
            u,
            nominations=nominated.get(u.id, (0, 0))[0],
            activated=nominated.get(u.id, (0, 0))[1],
            references=references.get(u.id, 0),
        )
        for u in users
    ]
    return _rank(cards)


# -- settings ---------------------------------------------------------------------------------


def update_recognition_settings(actor, data: dict) -> dict:
    """Switch the leaderboard and set the executive summary's frequency; {key: [old, new]}.
    Nothing is written when a value is wrong."""
    demand(actor, "program.manage", "Only the program team changes recognition settings.")
    errors = {}
    enabled = data.get(LEADERBOARD_SETTING)
    if not isinstance(enabled, bool):
        errors[LEADERBOARD_SETTING] = "Choose on or off."
    frequency = data.get(FREQUENCY_SETTING)
    if frequency not in FREQUENCIES:
        errors[FREQUENCY_SETTING] = f"Choose one of: {', '.join(FREQUENCIES)}."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    clean = {LEADERBOARD_SETTING: enabled, FREQUENCY_SETTING: frequency}
    changed = {k: [get_setting(k), v] for k, v in clean.items() if get_setting(k) != v}
    for key in changed:
        set_setting(actor, key, clean[key])  # audited as setting.changed
    return changed
