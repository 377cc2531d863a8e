"""What matching answers: the ranked candidates and the near misses of a request, their reasons
in words, and what the API shows of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.advocates.models import Advocate
from portal.asks.eligibility_row import NEVER_ASKED, tags_of
from portal.program import custom_field_matching
from portal.vocab import label

REASON_WORDS = {
    "industry": "same industry",
    "product": "uses product",
    "use_case": "use case",
    "region": "same region",
    "segment": "same segment",
    "seniority": "seniority",
    "language": "speaks",
}


@dataclass
class Match:
    advocate: Advocate
    score: float
    relevance: float
    fairness: float
    reasons: list[str] = field(default_factory=list)
    standing: float = 0.0
    scale: float = 0.0  # the highest score this request's criteria allow
    asks_left: dict[str, int] = field(default_factory=dict)  # {"month": n, "quarter": n}


@dataclass
class NearMiss:
    advocate: Advocate
    relevance: float
    reasons: list[str]  # why they would fit
    refusals: list[str]  # why they can't be asked, in words
    free_from: dt.date | None  # None: not a matter of time


@dataclass
class MatchResult:
    matches: list[Match]
    near_misses: list[NearMiss]
    scale: float = 0.0
    crowded: list[str] = field(default_factory=list)  # "3 of the top 10 work at Acme"


def left_reason(left: dict[str, int]) -> str:
    month, quarter = left["month"], left["quarter"]
    return f"{month} ask{'' if month == 1 else 's'} left this month, {quarter} this quarter"


def _points(tenths: int) -> str:
    """'+2', '-0.5', '+0' from tenths of a point."""
    return f"{'-' if tenths < 0 else '+'}{abs(tenths) / 10:g}"


def _crowded(advocates: list[Advocate]) -> dict[str, str]:
    """{account name: "3 of the top 10 work at Acme"} for accounts with several candidates."""
    by_account: dict[str, int] = {}
    for advocate in advocates:
        by_account[advocate.account.name] = by_account.get(advocate.account.name, 0) + 1
    return {
        name: f"{count} of the top {len(advocates)} work at {name}"
        for name, count in by_account.items()
        if count > 1
    }


def _words(kind: str, value: str, labels) -> str:
    if kind in ("industry", "product", "use_case", "language"):
        return labels.get((kind, value), value)
    return label(value)


def relevance_reasons(advocate: Advocate, terms: dict[str, list[str]], labels) -> list[str]:
    """'same industry: Banking', 'uses product: Payments' for each requested kind that overlaps."""
    have = tags_of(advocate)
    reasons = []
    for kind, values in terms.items():
        shared = [value for value in values if (kind, value) in have]
        if shared:
            words = ", ".join(_words(kind, value, labels) for value in shared)
            reasons.append(f"{REASON_WORDS[kind]}: {words}")
    return reasons + custom_field_matching.reasons(advocate, terms, labels)


def fairness_reason(asks_90d: int, asks_12m: int, last_asked_at) -> str:
    if last_asked_at is None:
        return f"never asked before (+{NEVER_ASKED / 10:g})"
    recent = f"{asks_90d} ask{'' if asks_90d == 1 else 's'} in 90 days"
    return f"{recent}, {asks_12m} in 12 months"


def match_dict(item: Match) -> dict:
    """A match as the API shows it: {advocate_id, advocate, score, reasons}."""
    return {
        "advocate_id": item.advocate.id,
        "advocate": advocate_dict(item.advocate),
        "score": item.score,
        "relevance": item.relevance,
        "fairness": item.fairness,
        "standing": item.standing,
        "scale": item.scale,
        "asks_left": item.asks_left,
        "reasons": item.reasons,
    }


def near_miss_dict(item: NearMiss) -> dict:
    return {
        "advocate_id": item.advocate.id,
        "advocate": advocate_dict(item.advocate),
        "excluded_because": item.refusals,
        "free_from": item.free_from,
    }


def advocate_dict(advocate: Advocate) -> dict:
    """What a match shows of an advocate (no contact details: asks go through the portal)."""
    return {
        "id": advocate.id,
        "name": advocate.name,
        "title": advocate.title,
        "seniority": advocate.seniority,
        "account_id": advocate.account_id,
        "account_name": advocate.account.name,
        "industry": advocate.account.industry,
        "region": advocate.account.region,
        "segment": advocate.account.segment,
        "timezone": advocate.timezone,
    }
