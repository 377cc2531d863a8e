"""Program rule 2: the ranked, explained candidates for a request, found by the database.

Hard rules filter on the `advocate_eligibility` rows (kept current by the flush hook in
`portal.asks.eligibility` from the overuse service), relevance is a weighted overlap of the
request's criteria with the compact criteria on the same row, fairness is a stored number; the
database returns the top N (ORDER BY score DESC LIMIT N). Reasons in words are built for those N
rows only, and near misses are explained with `overuse.refusals` for the few rows shown. No
query loads all advocates, and none joins or aggregates per candidate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.eligibility import (
    ACTIVITY_BITS,
    CRITERIA_KINDS,
    MULTI_KINDS,
    NEVER_ASKED,
    STANDING_MAX,
    ratings_of,
    settings_in_memory,
    standing_parts,
    tags_of,
)
from portal.asks.models import AdvocateEligibility, Ask, ReferenceRequest
from portal.database import now_utc
from portal.extensions import db
from portal.program import custom_fields
from portal.program.service import get_setting, taxonomy_labels
from portal.program.taxonomy import expand_groups
from portal.vocab import label

NEAR_MISS_STATUSES = ("active", "paused")
# The most candidates anyone is shown for one request (the API's largest ?limit): a
# self-service ask may go only to one of these.
OFFER_LIMIT = 100
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


def requested_terms(criteria: dict | None) -> dict[str, list[str]]:
    """{tag kind: requested values} for the criteria that name any value; a group of terms
    stands for its members too."""
    criteria = criteria or {}
    return custom_fields.requested(criteria) | expand_groups(
        {
            kind: list(criteria.get(key) or [])
            for key, kind in CRITERIA_KINDS.items()
            if criteria.get(key)
        }
    )


def _weights(override: dict | None = None) -> dict[str, int]:
    """Weights in tenths of a point, so scores add as integers on every database; `override`:
    candidate weights instead of the program's (the policy page's preview)."""
    weights = (override if override is not None else get_setting("match_weights")) or {}
    tenths = {kind: round(float(weights.get(kind, 0)) * 10) for kind in CRITERIA_KINDS.values()}
    return custom_fields.Weights(tenths, custom=custom_fields.weight(weights))


def _prospect_key(request: ReferenceRequest) -> str:
    return (request.prospect_company or "").strip().casefold()


def _asked_for(request: ReferenceRequest, advocate_id):
    return sa.exists().where(Ask.request_id == request.id, Ask.advocate_id == advocate_id)


def _askable(request: ReferenceRequest, at: dt.datetime):
    """The hard rules on the eligibility row: status, every time-bound rule, the opt-in, the
    prospect's company (not yet asked for this request is a join of its own)."""
    e = AdvocateEligibility
    bit = ACTIVITY_BITS.get(request.activity_type, 0)
    rules = [
        e.active.is_(True),
        sa.or_(e.askable_from.is_(None), e.askable_from <= at),
        sa.or_(e.blocked_from.is_(None), e.blocked_from > at, e.blocked_until <= at),
        e.activity_bits.bitwise_and(bit) != 0,
    ]
    prospect = _prospect_key(request)
    if prospect:
        rules.append(e.account_key != prospect)
    return sa.and_(*rules)


def _shares(kind: str, values: list[str]):
    """SQL truth of "the advocate shares one of `values` of `kind`" on the eligibility row."""
    e = AdvocateEligibility
    if custom_fields.is_custom(kind):
        return custom_fields.shares(kind, values)
    if kind in MULTI_KINDS:
        column = getattr(e, MULTI_KINDS[kind])
        return sa.or_(*(column.contains(f"|{value}|", autoescape=True) for value in values))
    return getattr(e, kind).in_(values)


def _relevance(terms: dict[str, list[str]], weights: dict[str, int]):
    """The relevance in tenths: one weight per requested kind the advocate shares, however many
    of its values overlap; 0 without criteria."""
    if not terms:
        return sa.literal(0)
    return sum(
        sa.case((_shares(kind, values), weights[kind]), else_=0) for kind, values in terms.items()
    )


def match(
    request: ReferenceRequest,
    limit: int = 10,
    *,
    near_misses: int = 5,
    at: dt.datetime | None = None,
    weights: dict | None = None,
) -> MatchResult:
    """The top `limit` askable advocates for `request`, with reasons, and the near misses;
    `weights` ({kind: weight}) ranks with candidate weights instead of the program's.

    Two statements over the narrow eligibility table: the askable advocates not yet asked for
    this request by score (a top-N sort, with no join but the anti-join on this request's few
    asks), and the most relevant advocates a hard rule keeps out (near misses).
    """
    at = at or now_utc()
    e = AdvocateEligibility
    terms = requested_terms(request.criteria)
    weights = _weights(weights)
    relevance = _relevance(terms, weights).label("relevance")
    candidates = sa.and_(e.status.in_(NEAR_MISS_STATUSES), ~_asked_for(request, e.advocate_id))
    askable = _askable(request, at)
    top = db.session.execute(_top(request, limit, at, relevance)).all()
    scale = (sum(weights[kind] for kind in terms) + NEVER_ASKED + STANDING_MAX) / 10
    missed = []
    if terms and near_misses:
        missed = db.session.execute(
            sa.select(e.advocate_id, relevance)
            .where(candidates, ~askable, relevance > 0)
            .order_by(relevance.desc(), e.advocate_id)
            .limit(near_misses)
        ).all()
    advocates = _load([row[0] for row in top] + [row[0] for row in missed])
    labels = taxonomy_labels()
    counts = _counts([row[0] for row in top])
    shown = [advocates[row[0]] for row in top]
    references = overuse.references_of({advocate.account_id for advocate in shown})
    ratings = ratings_of([advocate.id for advocate in shown])
    left = _asks_left(shown, at)
    crowded = _crowded(shown)
    matches = []
    for advocate_id, rel, fairness, standing in top:
        rel, fairness, standing = int(rel), int(fairness), int(standing)
        advocate = advocates[advocate_id]
        score = (rel + fairness + standing) / 10
        reasons = [
            f"Score {score:g} out of {scale:g}: relevance {_points(rel)}, "
            f"fairness {_points(fairness)}, standing {_points(standing)}"
        ]
        reasons += relevance_reasons(advocate, terms, labels)
        reasons.append(fairness_reason(*counts.get(advocate_id, (0, 0, None))))
        rating = ratings.get(advocate_id, (None, 0))
        for words, points in standing_parts(references.get(advocate.account_id), *rating):
            reasons.append(f"{words} {_points(points)}")
        reasons.append(left_reason(left[advocate_id]))
        if advocate.account.name in crowded:
            reasons.append(crowded[advocate.account.name])
        matches.append(
            Match(
                advocate,
                score,
                rel / 10,
                fairness / 10,
                reasons,
                standing=standing / 10,
                scale=scale,
                asks_left=left[advocate_id],
            )
        )
    near = _explain(request, missed, advocates, terms, labels, at)
    return MatchResult(matches, near, scale, list(crowded.values()))


def _points(tenths: int) -> str:
    """'+2', '-0.5', '+0' from tenths of a point."""
    return f"{'-' if tenths < 0 else '+'}{abs(tenths) / 10:g}"


def _asks_left(advocates: list[Advocate], at: dt.datetime) -> dict[int, dict[str, int]]:
    """Per advocate, how many more asks their own limits and their account's caps allow this
    calendar month and quarter (the fewer of the two)."""
    if not advocates:
        return {}
    used = overuse.usage_of(advocates, at)
    account_used = overuse.account_usage_of(advocates, at)
    caps = overuse.account_caps()
    left = {}
    for advocate in advocates:
        limits = overuse.effective_limits(advocate)
        own = used[advocate.id]
        month = limits.per_month - own.month
        quarter = limits.per_quarter - own.quarter
        if caps["month"] is not None:
            month = min(month, caps["month"] - account_used[advocate.id][0])
        if caps["quarter"] is not None:
            quarter = min(quarter, caps["quarter"] - account_used[advocate.id][1])
        left[advocate.id] = {"month": max(0, month), "quarter": max(0, quarter)}
    return left


def left_reason(left: dict[str, int]) -> str:
    month, quarter = left["month"], left["quarter"]
    return f"{month} ask{'' if month == 1 else 's'} left this month, {quarter} this quarter"


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


def _top(request: ReferenceRequest, limit: int, at: dt.datetime, relevance) -> sa.Select:
    """The askable advocates not yet asked for `request`, best score first, at most `limit`."""
    e = AdvocateEligibility
    candidates = sa.and_(e.status.in_(NEAR_MISS_STATUSES), ~_asked_for(request, e.advocate_id))
    return (
        sa.select(e.advocate_id, relevance, e.fairness, e.standing)
        .where(candidates, _askable(request, at))
        .order_by((relevance + e.fairness + e.standing).desc(), e.advocate_id)
        .limit(limit)
    )


def offered_ids(request: ReferenceRequest, at: dt.datetime | None = None) -> set[int]:
    """The advocates the request's matches offer now (its top OFFER_LIMIT candidates)."""
    at = at or now_utc()
    relevance = _relevance(requested_terms(request.criteria), _weights()).label("relevance")
    return {row[0] for row in db.session.execute(_top(request, OFFER_LIMIT, at, relevance))}


def _load(ids: list[int]) -> dict[int, Advocate]:
    if not ids:
        return {}
    advocates = db.session.scalars(
        sa.select(Advocate).where(Advocate.id.in_(ids)).options(selectinload(Advocate.account))
    ).all()
    return {advocate.id: advocate for advocate in advocates}


def _counts(ids: list[int]) -> dict[int, tuple[int, int, dt.datetime | None]]:
    if not ids:
        return {}
    e = AdvocateEligibility
    rows = db.session.execute(
        sa.select(e.advocate_id, e.asks_90d, e.asks_12m, e.last_asked_at).where(
            e.advocate_id.in_(ids)
        )
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


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
    return reasons + custom_fields.reasons(advocate, terms, labels)


def fairness_reason(asks_90d: int, asks_12m: int, last_asked_at) -> str:
    if last_asked_at is None:
        return f"never asked before (+{NEVER_ASKED / 10:g})"
    recent = f"{asks_90d} ask{'' if asks_90d == 1 else 's'} in 90 days"
    return f"{recent}, {asks_12m} in 12 months"


def hard_rule_refusals(
    request: ReferenceRequest, advocate: Advocate, at: dt.datetime | None = None, **prefetched
) -> list[overuse.Refusal]:
    """Every hard rule that keeps `advocate` from `request`: the overuse service's, plus the
    prospect's own company. `prefetched`: see `overuse.refusals`."""
    found = list(overuse.refusals(advocate, request.activity_type, at, **prefetched))
    prospect = _prospect_key(request)
    if prospect and advocate.account.name.strip().casefold() == prospect:
        found.append(
            overuse.Refusal(
                "prospect_company", f"works at the prospect, {request.prospect_company}"
            )
        )
    return found


def _explain(request, missed, advocates, terms, labels, at) -> list[NearMiss]:
    if not missed:
        return []
    with settings_in_memory():
        return _explain_each(request, missed, advocates, terms, labels, at)


def _explain_each(request, missed, advocates, terms, labels, at) -> list[NearMiss]:
    result = []
    at = at or now_utc()
    shown = [advocates[advocate_id] for advocate_id, _ in missed]
    used = overuse.usage_of(shown, at)
    blackouts = overuse.current_blackouts(shown, at)
    for advocate_id, relevance in missed:
        advocate = advocates[advocate_id]
        found = hard_rule_refusals(
            request, advocate, at, used=used[advocate_id], blackout=blackouts[advocate_id]
        )
        if not found:  # the row was behind the truth (a blackout passed): not a near miss
            continue
        result.append(
            NearMiss(
                advocate,
                int(relevance) / 10,
                relevance_reasons(advocate, terms, labels),
                [refusal.message for refusal in found],
                overuse.free_from(found),
            )
        )
    return result


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
