"""Program rule 2: the ranked, explained candidates for a request, found by the database.

Hard rules filter on the narrow `match_rows` (the part of each `advocate_eligibility` row a
ranking reads, kept current with it by the flush hook in `portal.asks.eligibility` from the
overuse service), relevance is a weighted overlap of the request's criteria with the compact
criteria on the same row (bit masks where they answer; the eligibility row's framed text, joined,
only where they can't), fairness is a stored number; the database returns the top N
(ORDER BY score DESC LIMIT N), and one more statement loads those N (and the near misses)
with what the result shows of them. Reasons in words are built for those rows only, from what
the same rows keep (live asks per window), and near misses are explained with
`overuse.refusals` for the few rows shown. No query loads all advocates, and none joins or
aggregates per candidate; the six statements of one match do not grow with the rows shown.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks import overuse
from portal.asks.eligibility_row import (
    ACTIVITY_BITS,
    CRITERIA_KINDS,
    MASK_COLUMNS,
    MULTI_KINDS,
    NEVER_ASKED,
    STANDING_MAX,
    standing_parts,
    stored_usage,
)
from portal.asks.match_results import (
    Match,
    MatchResult,
    NearMiss,
    _crowded,
    _points,
    fairness_reason,
    left_reason,
    relevance_reasons,
)
from portal.asks.match_vocabulary import Vocabulary
from portal.asks.models import SINGLE_VALUED, AdvocateEligibility, Ask, MatchRow, ReferenceRequest
from portal.asks.ranking import Bound, ranked
from portal.database import now_utc
from portal.extensions import db
from portal.program import custom_field_matching
from portal.program.service import get_setting, settings_in_memory
from portal.program.taxonomy import expand_groups
from portal.recruiting.models import Referenceability

NEAR_MISS_STATUSES = ("active", "paused")
# The most candidates anyone is shown for one request (the API's largest ?limit): a
# self-service ask may go only to one of these.
OFFER_LIMIT = 100


def requested_terms(
    criteria: dict | None, vocabulary: Vocabulary | None = None
) -> dict[str, list[str]]:
    """{tag kind: requested values} for the criteria that name any value; a group of terms
    stands for its members too (`vocabulary`: the groups read already, else read here)."""
    criteria = criteria or {}
    chosen = {
        kind: list(criteria.get(key) or [])
        for key, kind in CRITERIA_KINDS.items()
        if criteria.get(key)
    }
    expanded = vocabulary.expand(chosen) if vocabulary is not None else expand_groups(chosen)
    return custom_field_matching.requested(criteria) | expanded


def _weights(override: dict | None = None) -> dict[str, int]:
    """Weights in tenths of a point, so scores add as integers on every database; `override`:
    candidate weights instead of the program's (the policy page's preview)."""
    weights = (override if override is not None else get_setting("match_weights")) or {}
    tenths = {kind: round(float(weights.get(kind, 0)) * 10) for kind in CRITERIA_KINDS.values()}
    return custom_field_matching.Weights(tenths, custom=custom_field_matching.weight(weights))


def _prospect_key(request: ReferenceRequest) -> str:
    return (request.prospect_company or "").strip().casefold()


def _not_asked_for(request: ReferenceRequest, advocate_id):
    """SQL: not yet asked for `request`. NOT IN over the request's few asks (a hashed set the
    scan filters by), not NOT EXISTS: an anti-join above the sort would make PostgreSQL sort
    every candidate instead of keeping only the best N (a top-N heapsort)."""
    return advocate_id.not_in(sa.select(Ask.advocate_id).where(Ask.request_id == request.id))


def _askable(request: ReferenceRequest, at: dt.datetime):
    """The hard rules on the match row: status, every time-bound rule, the opt-in, the
    prospect's company (not yet asked for this request is a join of its own)."""
    e = MatchRow
    bit = ACTIVITY_BITS.get(request.activity_type, 0)
    rules = [
        # "IS NOT false" (active is never null), not "IS true": SQLite can't look that up in
        # the (active, fairness) index, and reading most rows through it, one table lookup
        # each, is three times slower than reading the table.
        e.active.is_not(False),
        sa.or_(e.askable_from.is_(None), e.askable_from <= at),
        sa.or_(e.blocked_from.is_(None), e.blocked_from > at, e.blocked_until <= at),
        e.activity_bits.bitwise_and(bit) != 0,
    ]
    prospect = _prospect_key(request)
    if prospect:
        rules.append(e.account_key != prospect)
    return sa.and_(*rules)


def _shares(kind: str, values: list[str]):
    """SQL truth of "the advocate shares one of `values` of `kind`": a single value on the
    match row, the framed text (multi-valued kinds, custom fields) on the eligibility row."""
    if custom_field_matching.is_custom(kind):
        return custom_field_matching.shares(kind, values)
    if kind in MULTI_KINDS:
        column = getattr(AdvocateEligibility, MULTI_KINDS[kind])
        return sa.or_(*(column.contains(f"|{value}|", autoescape=True) for value in values))
    return getattr(MatchRow, kind).in_(values)


def _scanned(terms: dict[str, list[str]], vocabulary: Vocabulary):
    """What ranking reads: the match rows, joined to the eligibility rows only for their framed
    text (a custom field; a multi-valued kind whose mask can't answer alone, `Vocabulary.mask`)."""
    if any(
        custom_field_matching.is_custom(kind)
        or (kind in MULTI_KINDS and not vocabulary.mask(kind, values)[1])
        for kind, values in terms.items()
    ):
        e = AdvocateEligibility
        return sa.join(MatchRow, e, e.advocate_id == MatchRow.advocate_id)
    return MatchRow.__table__


def _points_for(kind: str, values: list[str], weight: int, vocabulary: Vocabulary):
    """SQL: `weight` if the advocate shares one of `values` of `kind`, else 0. A multi-valued
    kind asks its mask first: no bit in common is a sure no, a bit that is only the requested
    terms' a sure yes; the text is read only for the rest (a bit several values share)."""
    if kind not in MULTI_KINDS:
        return sa.case((_shares(kind, values), weight), else_=0)
    mask, alone = vocabulary.mask(kind, values)
    bits = getattr(MatchRow, MASK_COLUMNS[kind]).bitwise_and(mask)
    if alone:
        return sa.case((bits != 0, weight), else_=0)
    return sa.case((bits == 0, 0), (_shares(kind, values), weight), else_=0)


def _shared(kind: str, values: list[str], vocabulary: Vocabulary):
    """SQL truth of "the advocate shares one of `values` of `kind`", as `_points_for` decides
    it (the mask first for a multi-valued kind, the text only where the mask can't tell)."""
    if kind not in MULTI_KINDS:
        return _shares(kind, values)
    mask, alone = vocabulary.mask(kind, values)
    bits = getattr(MatchRow, MASK_COLUMNS[kind]).bitwise_and(mask) != 0
    return bits if alone else sa.and_(bits, _shares(kind, values))


def _bound(terms: dict[str, list[str]], weights: dict[str, int], vocabulary) -> Bound:
    """What bounds the scores of these terms (`ranking.Bound`): the most relevance there is,
    each requested kind of positive weight with the SQL truth of sharing it, and the heaviest
    kind when one of the heaviest is indexed (a single value)."""
    kinds = tuple(
        (weights[kind], _shared(kind, values, vocabulary))
        for kind, values in terms.items()
        if weights[kind] > 0
    )
    most = max((weights[kind] for kind in terms), default=0)
    indexed = [kind for kind in terms if kind in SINGLE_VALUED and weights[kind] == most]
    heaviest = (
        (most, _shared(indexed[0], terms[indexed[0]], vocabulary)) if most > 0 and indexed else None
    )
    return Bound(_best(terms, weights), kinds, heaviest)


def _best(terms: dict[str, list[str]], weights: dict[str, int]) -> int:
    """The most relevance there is for these terms (tenths): every positive weight shared."""
    return sum(max(0, weights[kind]) for kind in terms)


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

    Two statements rank over the narrow eligibility table: the askable advocates not yet
    asked for this request by score (a top-N sort), and the most relevant advocates a hard rule
    keeps out (near misses); one more loads the advocates of both with what the result shows
    and explains of them (`_shown`). The program's settings are read at once
    (`settings_in_memory`), the taxonomy in one statement; nothing is read per advocate shown.
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
    vocabulary = Vocabulary()
    terms = requested_terms(request.criteria, vocabulary)
    weights = _weights(weights)
    relevance = _relevance(terms, weights, vocabulary).label("relevance")
    scanned = _scanned(terms, vocabulary)
    bound = _bound(terms, weights, vocabulary)
    best = bound.best
    top = ranked(functools.partial(_top, request, limit, at, relevance, scanned), limit, bound)
    scale = (sum(weights[kind] for kind in terms) + NEVER_ASKED + STANDING_MAX) / 10
    missed = []
    if terms and near_misses:
        missed = _near(request, at, relevance, best, near_misses, scanned)
    shown = _shown([row.advocate_id for row in (*top, *missed)])
    labels = vocabulary.labels
    used = _usage(shown.values(), at)
    left = _asks_left([shown[row.advocate_id] for row in top], used)
    crowded = _crowded([shown[row.advocate_id].Advocate for row in top])
    matches = []
    for row in top:
        fairness, standing = int(row.fairness), int(row.standing)
        rel = int(row.score) - fairness - standing
        score = int(row.score) / 10
        kept = shown[row.advocate_id]
        advocate = kept.Advocate
        reasons = [
            f"Score {score:g} out of {scale:g}: relevance {_points(rel)}, "
            f"fairness {_points(fairness)}, standing {_points(standing)}"
        ]
        reasons += relevance_reasons(advocate, terms, labels)
        reasons.append(fairness_reason(kept.asks_90d, kept.asks_12m, kept.last_asked_at))
        rating = (float(kept.rating), int(kept.rated)) if kept.rated else (None, 0)
        for words, points in standing_parts(kept.Referenceability, *rating):
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
    near = _explain(request, missed, shown, terms, labels, at, used)
    return MatchResult(matches, near, scale, list(crowded.values()))


# How far into the advocates (by id) near misses are first looked for among those sharing every
# requested criterion, before the whole table is ranked (a cost bound only: never a result).
NEAR_FIRST = 20_000


def _near(request: ReferenceRequest, at: dt.datetime, relevance, best: int, count: int, scanned):
    """The `count` most relevant advocates a hard rule keeps out (relevance first, then id).

    Ranking them reads every row; but usually enough of them share every requested criterion
    (relevance `best`, the most there is), and then the first `count` of those by id are the
    answer: looked for first in id order among the first NEAR_FIRST ids, which stops as soon
    as they are found. Only when too few are there is the whole table ranked (`scanned`: see
    `_scanned`).
    """
    e = MatchRow
    rules = (_candidates(request), ~_askable(request, at))
    if best > 0:
        # Ids are handed out in order: the first NEAR_FIRST or so, found in the index at once.
        bound = sa.select(sa.func.min(e.advocate_id)).scalar_subquery() + NEAR_FIRST
        first = db.session.execute(
            sa.select(e.advocate_id, relevance)
            .select_from(scanned)
            .where(*rules, relevance == best, e.advocate_id < bound)
            .order_by(e.advocate_id)
            .limit(count)
        ).all()
        if len(first) == count:
            return first
    return db.session.execute(
        sa.select(e.advocate_id, relevance)
        .select_from(scanned)
        .where(*rules, relevance > 0)
        .order_by(relevance.desc(), e.advocate_id)
        .limit(count)
    ).all()


def _shown(ids: list[int]) -> dict:
    """{advocate id: row} of what the result shows and explains of these few advocates, in one
    statement (`_shown_statement`): the Advocate with its Account, the account's
    Referenceability (or None), the KEPT columns of their eligibility rows, and the average
    requester rating of their completed asks and how many (rating, rated; None without)."""
    if not ids:
        return {}
    rows = db.session.execute(_shown_statement(), {"ids": ids})
    return {row.Advocate.id: row for row in rows}


@functools.cache
def _shown_statement() -> sa.Select:
    """`_shown`'s statement, built once: the same for every request (the ids a parameter), so
    it is compiled once too."""
    e = AdvocateEligibility
    ids = sa.bindparam("ids", expanding=True)
    # As `eligibility_row.ratings_of` counts them, for these advocates only.
    rated = (
        sa.select(
            Ask.advocate_id,
            sa.func.avg(Ask.requester_rating).label("rating"),
            sa.func.count().label("rated"),
        )
        .where(
            Ask.advocate_id.in_(ids),
            Ask.status == "completed",
            Ask.requester_rating.is_not(None),
        )
        .group_by(Ask.advocate_id)
        .subquery("rated")
    )
    return (
        sa.select(Advocate, Referenceability, *KEPT, rated.c.rating, rated.c.rated)
        .join(Account, Account.id == Advocate.account_id)
        .join(e, e.advocate_id == Advocate.id)
        .outerjoin(Referenceability, Referenceability.account_id == Advocate.account_id)
        .outerjoin(rated, rated.c.advocate_id == Advocate.id)
        .where(Advocate.id.in_(ids))
        .options(contains_eager(Advocate.account))
    )


def _usage(rows, at: dt.datetime) -> dict:
    """{advocate id: (overuse.Usage, the account's live asks this month and quarter)} as of
    `at` for the advocates of `_shown` rows, from the rows where they tell
    (`eligibility_row.stored_usage`), counted for the rest."""
    found = {}
    for row in rows:
        stored = stored_usage(row, overuse.zone_of(row.Advocate), at)
        if stored is not None:
            found[row.Advocate.id] = stored
    unknown = [row.Advocate for row in rows if row.Advocate.id not in found]
    if unknown:
        used = overuse.usage_of(unknown, at)
        account_used = overuse.account_usage_of(unknown, at)
        for advocate in unknown:
            found[advocate.id] = (used[advocate.id], account_used[advocate.id])
    return found


PERIODS = ("month", "quarter")  # the windows "asks left" counts


def _asks_left(rows, used: dict) -> dict[int, dict[str, int]]:
    """Per advocate of `_shown` rows, how many more asks their own limits (else the program's
    defaults, as `overuse.effective_limits` has it) and their account's caps allow this
    calendar month and quarter (the fewer of the two); `used`: see `_usage`. The settings are
    read once, not once per advocate."""
    if not rows:
        return {}
    caps = overuse.account_caps()
    defaults = {period: int(get_setting(f"default_max_per_{period}")) for period in PERIODS}
    left = {}
    for row in rows:
        advocate = row.Advocate
        own, account_used = used[advocate.id]
        found = {}
        for period, account_count in zip(PERIODS, account_used, strict=True):
            limit = getattr(advocate, f"max_per_{period}")
            found[period] = (defaults[period] if limit is None else limit) - getattr(own, period)
            if caps[period] is not None:
                found[period] = min(found[period], caps[period] - account_count)
        left[advocate.id] = {period: max(0, n) for period, n in found.items()}
    return left


def _candidates(request: ReferenceRequest):
    """Advocates matching may show at all (askable or a near miss): not yet asked for it."""
    e = MatchRow
    return sa.and_(e.status.in_(NEAR_MISS_STATUSES), _not_asked_for(request, e.advocate_id))


def _top(
    request: ReferenceRequest, limit: int, at: dt.datetime, relevance, scanned, *first
) -> sa.Select:
    """The askable advocates not yet asked for `request`, best score first, at most `limit`;
    `first`: more conditions (which advocates `ranking.ranked` reads)."""
    e = MatchRow
    score = (relevance + e.fairness + e.standing).label("score")
    return (
        sa.select(e.advocate_id, score, e.fairness, e.standing)
        .select_from(scanned)
        # Askable rows are active ones (status active): no need to test the status as well.
        .where(*first, _not_asked_for(request, e.advocate_id), _askable(request, at))
        .order_by(score.desc(), e.advocate_id)  # by its name: the expression written once
        .limit(limit)
    )


def offered_ids(request: ReferenceRequest, at: dt.datetime | None = None) -> set[int]:
    """The advocates the request's matches offer now (its top OFFER_LIMIT candidates)."""
    at = at or now_utc()
    vocabulary = Vocabulary()
    terms = requested_terms(request.criteria, vocabulary)
    weights = _weights()
    relevance = _relevance(terms, weights, vocabulary).label("relevance")
    top = functools.partial(_top, request, OFFER_LIMIT, at, relevance, _scanned(terms, vocabulary))
    return {row[0] for row in ranked(top, OFFER_LIMIT, _bound(terms, weights, vocabulary))}


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


def _explain(request, missed, shown, terms, labels, at, used) -> list[NearMiss]:
    """The near misses in words; `shown` holds what their rules read (`_shown`), `used` their
    live asks (`_usage`)."""
    if not missed:
        return []
    blackouts = overuse.current_blackouts([shown[row.advocate_id].Advocate for row in missed], at)
    result = []
    for row in missed:
        advocate = shown[row.advocate_id].Advocate
        own, account_used = used[advocate.id]
        found = hard_rule_refusals(
            request,
            advocate,
            at,
            used=own,
            blackout=blackouts[advocate.id],
            reference=shown[row.advocate_id].Referenceability,
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
