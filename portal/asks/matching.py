"""Program rule 2: the ranked, explained candidates for a request, found by the database.

Hard rules filter on the `advocate_eligibility` rows (kept current by the flush hook in
`portal.asks.eligibility` from the overuse service), relevance is a weighted overlap of the
request's criteria with the compact criteria on the same row (bit masks where they answer,
the framed text where they can't), fairness is a stored number; the database returns the top N
(ORDER BY score DESC LIMIT N). Reasons in words are built for those N rows only, from what the
same rows keep (live asks per window), and near misses are explained with `overuse.refusals`
for the few rows shown. No query loads all advocates, and none joins or aggregates per
candidate; the statements of one match do not grow with the rows shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.eligibility import (
    ACTIVITY_BITS,
    CRITERIA_KINDS,
    MASK_COLUMNS,
    MULTI_KINDS,
    NEVER_ASKED,
    STANDING_MAX,
    TERM_BITS,
    ratings_of,
    settings_in_memory,
    standing_parts,
    stored_usage,
    tags_of,
    value_bit,
)
from portal.asks.models import AdvocateEligibility, Ask, ReferenceRequest
from portal.database import now_utc
from portal.extensions import db
from portal.program import custom_fields
from portal.program.models import TaxonomyTerm
from portal.program.service import get_setting
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


class Vocabulary:
    """The terms as one match needs them, read in one statement: labels of every term, active
    or not (to word stored values), and which value holds which bit of a kind's mask."""

    def __init__(self) -> None:
        self.labels: dict[tuple[str, str], str] = {}
        self.ids: dict[tuple[str, str], int] = {}
        self.by_bit: dict[tuple[str, int], set[str]] = {}
        for term_id, kind, value, text in db.session.execute(
            sa.select(TaxonomyTerm.id, TaxonomyTerm.kind, TaxonomyTerm.value, TaxonomyTerm.label)
        ):
            self.labels[kind, value] = text
            if kind in MULTI_KINDS:
                self.ids[kind, value] = term_id
                self.by_bit.setdefault((kind, term_id % TERM_BITS), set()).add(value)

    def mask(self, kind: str, values: list[str]) -> tuple[int, bool]:
        """The mask of `values` of a multi-valued kind, and whether a row's mask meeting it is
        proof enough (each of its bits is a requested term's alone)."""
        mask, alone = 0, True
        for value in values:
            mask |= value_bit(kind, value, self.ids)
            term_id = self.ids.get((kind, value))
            if term_id is None or not self.by_bit[kind, term_id % TERM_BITS] <= set(values):
                alone = False
        return mask, alone


def _shares(kind: str, values: list[str]):
    """SQL truth of "the advocate shares one of `values` of `kind`" on the eligibility row,
    from the framed text or the column itself."""
    e = AdvocateEligibility
    if custom_fields.is_custom(kind):
        return custom_fields.shares(kind, values)
    if kind in MULTI_KINDS:
        column = getattr(e, MULTI_KINDS[kind])
        return sa.or_(*(column.contains(f"|{value}|", autoescape=True) for value in values))
    return getattr(e, kind).in_(values)


def _points_for(kind: str, values: list[str], weight: int, vocabulary: Vocabulary):
    """SQL: `weight` if the advocate shares one of `values` of `kind`, else 0. A multi-valued
    kind asks its mask first: no bit in common is a sure no, a bit that is only the requested
    terms' a sure yes; the text is read only for the rest (a bit several values share)."""
    if kind not in MULTI_KINDS:
        return sa.case((_shares(kind, values), weight), else_=0)
    mask, alone = vocabulary.mask(kind, values)
    bits = getattr(AdvocateEligibility, MASK_COLUMNS[kind]).bitwise_and(mask)
    if alone:
        return sa.case((bits != 0, weight), else_=0)
    return sa.case((bits == 0, 0), (_shares(kind, values), weight), else_=0)


def _relevance(terms: dict[str, list[str]], weights: dict[str, int], vocabulary: Vocabulary):
    """The relevance in tenths: one weight per requested kind the advocate shares, however many
    of its values overlap; 0 without criteria."""
    if not terms:
        return sa.literal(0)
    return sum(
        _points_for(kind, values, weights[kind], vocabulary) for kind, values in terms.items()
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
    asks), and the most relevant advocates a hard rule keeps out (near misses). Settings are
    read once (not once per advocate shown).
    """
    with settings_in_memory():
        return _match(request, limit, near_misses, at or now_utc(), weights)


# What the reasons read from each row besides the score: fairness counts, live asks per window.
KEPT = (
    AdvocateEligibility.asks_90d,
    AdvocateEligibility.asks_12m,
    AdvocateEligibility.last_asked_at,
    AdvocateEligibility.counted_on,
    AdvocateEligibility.used_month,
    AdvocateEligibility.used_quarter,
    AdvocateEligibility.used_year,
    AdvocateEligibility.last_live_at,
    AdvocateEligibility.account_used_month,
    AdvocateEligibility.account_used_quarter,
)


def _match(request, limit, near_misses, at, weights) -> MatchResult:
    terms = requested_terms(request.criteria)
    weights = _weights(weights)
    vocabulary = Vocabulary()
    relevance = _relevance(terms, weights, vocabulary).label("relevance")
    top = db.session.execute(_kept(_top(request, limit, at, relevance))).all()
    scale = (sum(weights[kind] for kind in terms) + NEVER_ASKED + STANDING_MAX) / 10
    missed = []
    if terms and near_misses:
        missed = _near(request, at, relevance, sum(weights[kind] for kind in terms), near_misses)
    advocates = _load([row.advocate_id for row in (*top, *missed)])
    labels = vocabulary.labels
    shown = [advocates[row.advocate_id] for row in top]
    references = overuse.references_of(
        {advocates[row.advocate_id].account_id for row in (*top, *missed)}
    )
    ratings = ratings_of([advocate.id for advocate in shown])
    used = _usage([advocates[row.advocate_id] for row in (*top, *missed)], (*top, *missed), at)
    left = _asks_left(shown, used)
    crowded = _crowded(shown)
    matches = []
    for row in top:
        rel, fairness, standing = int(row.relevance), int(row.fairness), int(row.standing)
        advocate = advocates[row.advocate_id]
        score = (rel + fairness + standing) / 10
        reasons = [
            f"Score {score:g} out of {scale:g}: relevance {_points(rel)}, "
            f"fairness {_points(fairness)}, standing {_points(standing)}"
        ]
        reasons += relevance_reasons(advocate, terms, labels)
        reasons.append(fairness_reason(row.asks_90d, row.asks_12m, row.last_asked_at))
        rating = ratings.get(advocate.id, (None, 0))
        for words, points in standing_parts(references.get(advocate.account_id), *rating):
            reasons.append(f"{words} {_points(points)}")
        reasons.append(left_reason(left[advocate.id]))
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
                asks_left=left[advocate.id],
            )
        )
    near = _explain(request, missed, advocates, terms, labels, at, used, references)
    return MatchResult(matches, near, scale, list(crowded.values()))


# How far into the advocates (by id) near misses are first looked for among those sharing every
# requested criterion, before the whole table is ranked (a cost bound only: never a result).
NEAR_FIRST = 20_000


def _near(request: ReferenceRequest, at: dt.datetime, relevance, best: int, count: int):
    """The `count` most relevant advocates a hard rule keeps out (relevance first, then id).

    Ranking them reads every row; but usually enough of them share every requested criterion
    (relevance `best`, the most there is), and then the first `count` of those by id are the
    answer: looked for first in id order among the first NEAR_FIRST ids, which stops as soon
    as they are found. Only when too few are there is the whole table ranked.
    """
    e = AdvocateEligibility
    rules = (_candidates(request), ~_askable(request, at))
    if best > 0:
        # Ids are handed out in order: the first NEAR_FIRST or so, found in the index at once.
        bound = sa.select(sa.func.min(e.advocate_id)).scalar_subquery() + NEAR_FIRST
        first = db.session.execute(
            sa.select(e.advocate_id, relevance, *KEPT)
            .where(*rules, relevance == best, e.advocate_id < bound)
            .order_by(e.advocate_id)
            .limit(count)
        ).all()
        if len(first) == count:
            return first
    return db.session.execute(
        _kept(
            sa.select(e.advocate_id, relevance)
            .where(*rules, relevance > 0)
            .order_by(relevance.desc(), e.advocate_id)
            .limit(count)
        )
    ).all()


def _kept(ranked: sa.Select) -> sa.Select:
    """`ranked` (advocate_id, relevance, ...; in its order, limited) with the KEPT columns of
    those few rows: read by key after ranking, so the ranking carries only what it sorts by."""
    e = AdvocateEligibility
    few = ranked.subquery("ranked")
    order = few.c.relevance.desc()
    if "fairness" in few.c:
        order = (few.c.relevance + few.c.fairness + few.c.standing).desc()
    return (
        sa.select(few, *KEPT)
        .join(e, e.advocate_id == few.c.advocate_id)
        .order_by(order, few.c.advocate_id)
    )


def _points(tenths: int) -> str:
    """'+2', '-0.5', '+0' from tenths of a point."""
    return f"{'-' if tenths < 0 else '+'}{abs(tenths) / 10:g}"


def _usage(advocates: list[Advocate], rows, at: dt.datetime) -> dict:
    """{advocate id: (overuse.Usage, the account's live asks this month and quarter)} as of
    `at`, from the rows where they tell (`eligibility.stored_usage`), counted for the rest."""
    kept = {row.advocate_id: row for row in rows}
    found = {}
    for advocate in advocates:
        stored = stored_usage(kept[advocate.id], overuse.zone_of(advocate), at)
        if stored is not None:
            found[advocate.id] = stored
    unknown = [advocate for advocate in advocates if advocate.id not in found]
    if unknown:
        used = overuse.usage_of(unknown, at)
        account_used = overuse.account_usage_of(unknown, at)
        for advocate in unknown:
            found[advocate.id] = (used[advocate.id], account_used[advocate.id])
    return found


def _asks_left(advocates: list[Advocate], used: dict) -> dict[int, dict[str, int]]:
    """Per advocate, how many more asks their own limits and their account's caps allow this
    calendar month and quarter (the fewer of the two); `used`: see `_usage`."""
    if not advocates:
        return {}
    caps = overuse.account_caps()
    left = {}
    for advocate in advocates:
        limits = overuse.effective_limits(advocate)
        own, account_used = used[advocate.id]
        month = limits.per_month - own.month
        quarter = limits.per_quarter - own.quarter
        if caps["month"] is not None:
            month = min(month, caps["month"] - account_used[0])
        if caps["quarter"] is not None:
            quarter = min(quarter, caps["quarter"] - account_used[1])
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


def _candidates(request: ReferenceRequest):
    """Advocates matching may show at all (askable or a near miss): not yet asked for it."""
    e = AdvocateEligibility
    return sa.and_(e.status.in_(NEAR_MISS_STATUSES), ~_asked_for(request, e.advocate_id))


def _top(request: ReferenceRequest, limit: int, at: dt.datetime, relevance) -> sa.Select:
    """The askable advocates not yet asked for `request`, best score first, at most `limit`."""
    e = AdvocateEligibility
    return (
        sa.select(e.advocate_id, relevance, e.fairness, e.standing)
        # Askable rows are active ones (status active): no need to test the status as well.
        .where(~_asked_for(request, e.advocate_id), _askable(request, at))
        .order_by((relevance + e.fairness + e.standing).desc(), e.advocate_id)
        .limit(limit)
    )


def offered_ids(request: ReferenceRequest, at: dt.datetime | None = None) -> set[int]:
    """The advocates the request's matches offer now (its top OFFER_LIMIT candidates)."""
    at = at or now_utc()
    terms = requested_terms(request.criteria)
    relevance = _relevance(terms, _weights(), Vocabulary()).label("relevance")
    return {row[0] for row in db.session.execute(_top(request, OFFER_LIMIT, at, relevance))}


def _load(ids: list[int]) -> dict[int, Advocate]:
    if not ids:
        return {}
    advocates = db.session.scalars(
        sa.select(Advocate).where(Advocate.id.in_(ids)).options(joinedload(Advocate.account))
    ).all()
    return {advocate.id: advocate for advocate in advocates}


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


def _explain(request, missed, advocates, terms, labels, at, used, references) -> list[NearMiss]:
    """The near misses in words; `used` and `references` hold what their rules read."""
    if not missed:
        return []
    shown = [advocates[row.advocate_id] for row in missed]
    blackouts = overuse.current_blackouts(shown, at)
    result = []
    for row in missed:
        advocate = advocates[row.advocate_id]
        own, account_used = used[advocate.id]
        found = hard_rule_refusals(
            request,
            advocate,
            at,
            used=own,
            blackout=blackouts[advocate.id],
            reference=references.get(advocate.account_id),
            account_used=account_used,
        )
        if not found:  # the row was behind the truth (a blackout passed): not a near miss
            continue
        result.append(
            NearMiss(
                advocate,
                int(row.relevance) / 10,
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
