"""What every demo builder shares: the seeded random generator, the clock, the program's
settings and taxonomy, and the rows being built (ids assigned here, written in bulk)."""

from __future__ import annotations

import datetime as dt
import random

import click
import sqlalchemy as sa

from portal.asks.lead_time import lead_times
from portal.database import now_utc
from portal.extensions import db
from portal.models import (
    Account,
    Advocate,
    Ask,
    AuditEvent,
    Benefit,
    Blackout,
    Claim,
    ContentAsset,
    ContentUse,
    LedgerEntry,
    Opportunity,
    ReferenceRequest,
    RequestComment,
    Target,
    Touchpoint,
    User,
)
from portal.program.service import get_setting, taxonomy_labels, taxonomy_values
from portal.vocab import label

SEED = 2026

INSERT_ORDER = (
    User,
    Account,
    Advocate,
    Blackout,
    Opportunity,
    ReferenceRequest,
    RequestComment,
    Ask,
    Benefit,
    Claim,
    LedgerEntry,
    Touchpoint,
    ContentAsset,
    ContentUse,
    Target,
    AuditEvent,
)


def _setting_or_none(key: str):
    """A program setting that may not exist (yet): None, as an unset limit."""
    try:
        return get_setting(key)
    except KeyError:
        return None


class BaseBuilder:
    """The state the domain builders share, and their helpers; each builder adds the rows of
    its domain and keeps what later ones need (the staff, the accounts, the advocates)."""

    def __init__(self, advocates: int) -> None:
        # bandit B311: repeatable demo data, not a secret
        self.rng = random.Random(SEED)  # nosec B311
        self.now = now_utc().replace(microsecond=0)
        self.today = self.now.date()
        self.n = advocates
        self.rows: dict[type, list[dict]] = {model: [] for model in INSERT_ORDER}
        self.next_id = {
            model: (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1
            for model in INSERT_ORDER
        }
        self.labels = taxonomy_labels()
        self.industries = self._terms("industry", required=True)
        self.products = self._terms("product", required=True)
        self.use_cases = self._terms("use_case")
        self.languages = self._terms("language")
        self.points_by_activity = get_setting("points_by_activity")
        self.respond_days = max(1, int(get_setting("respond_within_days")))
        self.lead_times = lead_times()
        self.short_notice = 0  # requests filed inside their activity's lead time, so far
        self.default_limits = (
            get_setting("default_max_per_month"),
            get_setting("default_max_per_quarter"),
            get_setting("default_max_per_year"),
            get_setting("default_min_days_between"),
        )
        self.terms_version = get_setting("terms_version")
        # Live asks per account and calendar month / quarter (program rule 1 for accounts).
        self.account_caps = (
            _setting_or_none("account_max_per_month"),
            _setting_or_none("account_max_per_quarter"),
        )
        self.account_live: dict[int, list[dt.datetime]] = {}
        self.win_draws: dict[int, float] = {}  # closed opportunities: request id -> draw

    def _terms(self, kind: str, required: bool = False) -> dict[str, str]:
        """The active taxonomy values of one kind, sorted, with their labels."""
        values = sorted(taxonomy_values(kind))
        if required and not values:
            raise click.ClickException(
                f"The taxonomy has no active {label(kind).lower()} terms: add some first."
            )
        return {value: self.labels.get((kind, value), label(value)) for value in values}

    def _id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _pick(self, weights: dict):
        return self.rng.choices(tuple(weights), tuple(weights.values()))[0]

    def _ago(self, low_days: float, high_days: float) -> dt.datetime:
        seconds = self.rng.uniform(low_days, high_days) * 86400
        return self.now - dt.timedelta(seconds=int(seconds))

    def _between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        if end <= start:
            return start
        return start + dt.timedelta(seconds=int(self.rng.uniform(0, (end - start).total_seconds())))

    def _sample(self, values, low: int, high: int) -> list:
        values = list(values)
        if not values:
            return []
        return self.rng.sample(values, min(len(values), self.rng.randint(low, high)))

    def _add(self, model, **row) -> dict:
        row.setdefault("id", self._id(model))
        self.rows[model].append(row)
        return row

    def counts(self) -> dict[str, int]:
        return {
            model.__tablename__: len(self.rows[model])
            for model in INSERT_ORDER
            if model is not AuditEvent
        }
