"""The executive summary: the program's headline figures for the last week or month, each with
its trend against the period before, for the executive home page and the scheduled e-mail.

`flask --app portal send-executive-summaries` (and the worker's job of the same name) may run
as often as wanted: each executive gets one e-mail per period, made unique by the outbox
`dedupe_key` `executive-summary:<user>:<period>`. The program setting
`executive_summary_frequency` (off | weekly | monthly) chooses the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db
from portal.notifications.reminders import sent_keys
from portal.notifications.service import Audience, queue_email
from portal.program.service import get_setting
from portal.recognition.service import FREQUENCY_SETTING
from portal.reports.params import Params
from portal.reports.registry import summary
from portal.urls import external_url

TEMPLATE = "executive_summary"


@dataclass(frozen=True)
class SummaryPeriod:
    """A closed range of days, `start` to `end` inclusive, as the reports take them."""

    key: str  # "2026-11" or "2026-W48"
    label: str  # "November 2026" or "the week of 23 November 2026"
    start: dt.date
    end: dt.date

    def params(self) -> Params:
        return Params(self.start, self.end)


def last_period(frequency: str, today: dt.date) -> tuple[SummaryPeriod, SummaryPeriod]:
    """The last full week (Monday to Sunday) or calendar month before `today`, and the one
    before it."""
    if frequency == "weekly":
        monday = today - dt.timedelta(days=today.weekday())
        periods = []
        for weeks in (1, 2):
            start = monday - dt.timedelta(weeks=weeks)
            year, week, _ = start.isocalendar()
            periods.append(
                SummaryPeriod(
                    f"{year}-W{week:02d}",
                    f"the week of {start.day} {start:%B %Y}",
                    start,
                    start + dt.timedelta(days=6),
                )
            )
        return periods[0], periods[1]
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    before_end = start - dt.timedelta(days=1)
    before_start = before_end.replace(day=1)
    return (
        SummaryPeriod(f"{start:%Y-%m}", f"{start:%B %Y}", start, end),
        SummaryPeriod(f"{before_start:%Y-%m}", f"{before_start:%B %Y}", before_start, before_end),
    )


@dataclass(frozen=True)
class Figure:
    """One headline figure with its value in the period and the period before."""

    key: str
    label: str
    value: float | int | None
    previous: float | int | None
    unit: str = ""  # "%" for rates, a currency code for money
    higher_is_better: bool = True
    snapshot: bool = False  # a count as it is today, not of the period: no trend

    @property
    def shown(self) -> str:
        return _format(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        return _format(self.previous, self.unit)

    @property
    def change(self) -> float | int | None:
        if self.snapshot or self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def trend(self) -> str:
        """'up', 'down', 'flat' or '' (no comparison)."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "flat"

    @property
    def good(self) -> bool | None:
        """Whether the change is good news (None: no change or no comparison)."""
        if self.trend in ("", "flat"):
            return None
        return (self.trend == "up") == self.higher_is_better

    @property
    def change_shown(self) -> str:
        change = self.change
        if self.snapshot:
            return "as of today"
        if change is None:
            return "no comparison"
        if change == 0:
            return "no change"
        sign = "+" if change > 0 else "−"
        if self.unit == "%":
            return f"{sign}{_number(abs(change))} points"
        suffix = f" {self.unit}" if self.unit else ""
        return f"{sign}{_number(abs(change))}{suffix}"


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _format(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{_number(value)}%"
    return f"{_number(value)} {unit}".strip()


def headline_figures(current: dict, previous: dict) -> list[Figure]:
    """The figures an executive reads first, from two `reports.service.summary` results."""

    def pick(summary, section, key):
        return _plain(summary[section][key])

    currency = current["business_value"].get("currency") or ""
    rows = [
        ("influenced_revenue", "Influenced revenue", "business_value", currency, True),
        ("win_rate_with_reference", "Win rate with a reference", "business_value", "%", True),
        ("win_rate_without_reference", "Win rate without", "business_value", "%", True),
        ("won_with_reference", "Deals won with a reference", "business_value", "", True),
        ("active", "Active advocates", "advocates", "", True),  # today's count
        ("activities_completed", "Activities completed", "value_exchange", "", True),
        ("submitted", "Requests filed", "requests", "", True),
        ("fulfilment_rate", "Requests fulfilled", "requests", "%", True),
        ("at_limit_now", "Advocates protected from overuse", "advocates", "", False),
        ("points_earned", "Points earned by advocates", "value_exchange", "", True),
    ]
    return [
        Figure(
            key,
            text,
            pick(current, section, key),
            pick(previous, section, key),
            unit,
            better,
            snapshot=key == "active",
        )
        for key, text, section, unit, better in rows
    ]


def _plain(value):
    """Decimals from the database as float; whole floats as int."""
    if value is None or isinstance(value, int):
        return value
    value = float(value)
    return int(value) if value.is_integer() else round(value, 1)


def program_summary(period: SummaryPeriod, before: SummaryPeriod) -> list[Figure]:
    """The headline figures of `period` against `before` (the reports' own definitions)."""
    return headline_figures(summary(period.params()), summary(before.params()))


def summary_key(user_id: int, period: SummaryPeriod) -> str:
    return f"executive-summary:{user_id}:{period.key}"


def send_executive_summaries(now: dt.datetime | None = None) -> int:
    """Write the summary e-mail of the last period to every active executive who has not had
    it yet; returns how many. Nothing while the setting is off. A fixed number of queries
    however many executives: the figures are computed once for all of them."""
    now = now or now_utc()
    frequency = get_setting(FREQUENCY_SETTING)
    if frequency not in ("weekly", "monthly"):
        return 0
    period, before = last_period(frequency, now.date())
    executives = db.session.scalars(
        sa.select(User).where(User.role == "executive", User.active.is_(True)).order_by(User.id)
    ).all()
    keys = {user.id: summary_key(user.id, period) for user in executives}
    done = sent_keys(keys.values())
    due = [user for user in executives if keys[user.id] not in done]
    if not due:
        return 0
    figures = program_summary(period, before)
    reports_link = external_url(
        "reports.index", start=period.start.isoformat(), end=period.end.isoformat()
    )
    audience = Audience(user.email for user in due)
    subject = f"Program summary for {period.label}"
    for user in due:
        queue_email(
            TEMPLATE,
            user.email,
            subject,
            dedupe_key=keys[user.id],
            audience=audience,
            user=user,
            person=user,
            period=period,
            before=before,
            figures=figures,
            frequency=frequency,
            reports_link=reports_link,
            scorecards_link=external_url("recognition.index"),
            in_app_link=urlsplit(reports_link).path,
        )
    return len(due)


@click.command("send-executive-summaries")
@with_appcontext
def send_executive_summaries_command():
    """Write the executive summary e-mails that are due (one per executive and period)."""
    try:
        written = send_executive_summaries()
        db.session.commit()
    except sa.exc.IntegrityError:  # a run at the same moment wrote the same keys first
        db.session.rollback()
        click.echo("Another run wrote these summaries first; nothing added.")
        return
    click.echo(f"Wrote {written} executive summar{'y' if written == 1 else 'ies'}.")


def executive_home(today: dt.date | None = None) -> dict:
    """What an executive's home page shows: the summary e-mail's figures, for its period (the
    last full month while the e-mail is off)."""
    today = today or now_utc().date()
    frequency = get_setting(FREQUENCY_SETTING)
    period, before = last_period("weekly" if frequency == "weekly" else "monthly", today)
    return {
        "period": period,
        "before": before,
        "figures": program_summary(period, before),
    }
