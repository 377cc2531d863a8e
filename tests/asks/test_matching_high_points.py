"""Ranking reads the advocates with the most points (fairness + standing) first and stops there
when nobody below can reach the top (`ranking.ranked`): it must give exactly what ranking
everyone gives, ties and their order included, whatever the cut."""

import datetime as dt
import random

import pytest

from portal.asks import matching, ranking
from portal.extensions import db as _db
from portal.recruiting.models import Referenceability
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)
from tests.program.custom_field_helpers import add_fields
from tests.queries import QueryCounter

INDUSTRIES = ("banking", "insurance", "retail")
REGIONS = ("emea", "na", "apac")


def _program(seed: int) -> list:
    """Sixty advocates of varied criteria, fairness (past asks) and standing (customer
    success's word, NPS), many on equal points; and requests over them."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    for _ in range(60):
        account = AccountFactory(industry=rng.choice(INDUSTRIES), region=rng.choice(REGIONS))
        if rng.random() < 0.5:
            _db.session.add(
                Referenceability(
                    account=account,
                    status="referenceable",
                    health=rng.choice(("healthy", "watch", None)),
                    nps=rng.choice((70, 10, -20, None)),
                )
            )
        advocate = AdvocateFactory(
            account=account, languages=rng.sample(["en", "de", "fr"], rng.randint(1, 2))
        )
        for _ in range(rng.choice((0, 0, 1, 2, 4))):
            days = rng.randint(30, 400)  # old enough to leave the cooldown behind
            AskFactory(advocate=advocate, status="completed", asked_at=now - dt.timedelta(days))
    requests = [
        ReferenceRequestFactory(
            criteria={
                "industries": rng.sample(INDUSTRIES, rng.randint(1, 2)),
                "regions": rng.sample(REGIONS, rng.randint(0, 2)),
                "languages": rng.sample(["en", "de", "fr"], rng.randint(0, 1)),
            }
        )
        for _ in range(8)
    ]
    _db.session.commit()
    return requests


def _shown(result) -> list:
    return [(m.advocate.id, m.score, m.relevance) for m in result.matches]


def asked(advocate, times: int) -> None:
    """`times` completed asks, old enough to count for fairness in the 12 months only."""
    now = dt.datetime.now(dt.UTC)
    for n in range(times):
        AskFactory(advocate=advocate, status="completed", asked_at=now - dt.timedelta(200 + n))


@pytest.fixture
def pruned(monkeypatch) -> list[int]:
    """How many kinds each second read required below the cut (`ranking.Bound.required`), as
    rankings run: a test of exactness asserts some were, else it tests nothing."""
    required = ranking.Bound.required
    found: list[int] = []

    def noting(bound, relevance):
        kinds = required(bound, relevance)
        found.append(len(kinds))
        return kinds

    monkeypatch.setattr(ranking.Bound, "required", noting)
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reading_the_best_standing_first_ranks_as_reading_everyone(db, monkeypatch, seed, pruned):
    requests = _program(seed)
    quick = 0
    for request in requests:
        monkeypatch.setattr(ranking, "HIGH_POINTS", 10**6)  # no cut: everyone is read
        everyone = {limit: _shown(matching.match(request, limit)) for limit in (1, 5, 10)}
        monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
        for cut in (3, 8, 15, 40):
            monkeypatch.setattr(ranking, "HIGH_POINTS", cut)
            for limit in (1, 5, 10):
                with QueryCounter(_db.engine) as queries:
                    found = _shown(matching.match(request, limit, near_misses=0))
                assert found == everyone[limit], (request.criteria, cut, limit)
                reads = [s for s in queries.statements if "ORDER BY score DESC" in s]
                quick += len(reads) == 1
    assert quick  # the cut answered alone at least sometimes (else this tests nothing)
    # Below the cut, the second read kept only those sharing the kinds no one reaching the
    # last score found can miss, sometimes (else the exactness above would test nothing).
    assert any(pruned)


PRODUCTS = ("payments", "analytics", "identity")
SENIORITIES = ("director", "manager", "executive")


@pytest.mark.parametrize("seed", [4, 5])
def test_any_weights_and_kinds_rank_as_reading_everyone(db, monkeypatch, seed, pruned):
    """Random weights (0 to 10, one decimal, as the policy allows) over every kind of
    criterion: single values, products (a bit mask, the text where it can't tell) and
    languages. The kinds the second read requires change with the weights: whatever they are,
    reading the best-standing first ranks as reading everyone."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    for _ in range(60):
        account = AccountFactory(
            industry=rng.choice(INDUSTRIES),
            region=rng.choice(REGIONS),
            products=rng.sample(PRODUCTS, rng.randint(0, 1)),
        )
        if rng.random() < 0.4:
            _db.session.add(
                Referenceability(account=account, status="referenceable", health="healthy")
            )
        advocate = AdvocateFactory(
            account=account,
            seniority=rng.choice(SENIORITIES),
            products=rng.sample(PRODUCTS, rng.randint(0, 2)),
            languages=rng.sample(["en", "de", "fr"], rng.randint(1, 2)),
        )
        for _ in range(rng.choice((0, 0, 1, 3))):
            days = rng.randint(30, 400)
            AskFactory(advocate=advocate, status="completed", asked_at=now - dt.timedelta(days))
    requests = [
        ReferenceRequestFactory(
            criteria={
                "industries": rng.sample(INDUSTRIES, rng.randint(0, 2)),
                "regions": rng.sample(REGIONS, rng.randint(0, 1)),
                "products": rng.sample(PRODUCTS, rng.randint(1, 2)),
                "seniorities": rng.sample(SENIORITIES, rng.randint(0, 1)),
                "languages": rng.sample(["en", "de", "fr"], rng.randint(0, 1)),
            }
        )
        for _ in range(6)
    ]
    _db.session.commit()
    kinds = ("industry", "product", "use_case", "region", "segment", "seniority", "language")
    for request in requests:
        weights = {kind: rng.randint(0, 100) / 10 for kind in kinds}
        monkeypatch.setattr(ranking, "HIGH_POINTS", 10**6)
        monkeypatch.setattr(ranking, "SMALL_PROGRAM", 20_000)
        everyone = {
            limit: _shown(matching.match(request, limit, weights=weights)) for limit in (1, 4, 9)
        }
        monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
        for cut in (2, 6, 20):
            monkeypatch.setattr(ranking, "HIGH_POINTS", cut)
            for limit in (1, 4, 9):
                found = _shown(matching.match(request, limit, near_misses=0, weights=weights))
                assert found == everyone[limit], (request.criteria, weights, cut, limit)
    assert any(pruned)


def test_a_tie_just_below_the_cut_is_not_lost(db, monkeypatch):
    """The advocate just below the cut reaches the best score read (a tie) and comes first by
    id: reading the best-standing advocates alone can't answer; ranking everyone does."""
    tied = AdvocateFactory(account=AccountFactory(industry="banking"))  # the lowest id
    asked(tied, 5)  # fairness 5, relevance 3: score 3.5
    best_standing = AdvocateFactory(account=AccountFactory(industry="retail"))
    _db.session.add(
        Referenceability(account=best_standing.account, status="referenceable", health="healthy")
    )  # fairness 1.5, standing 2, relevance 0: score 3.5
    at_the_cut = AdvocateFactory(account=AccountFactory(industry="retail"))
    asked(at_the_cut, 4)  # fairness 0.6: the second most points, the cut with HIGH_POINTS 1
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    _db.session.commit()
    monkeypatch.setattr(ranking, "HIGH_POINTS", 1)
    monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
    top = matching.match(request, 1).matches
    assert [(m.advocate, m.score) for m in top] == [(tied, 3.5)]
    monkeypatch.setattr(ranking, "HIGH_POINTS", 10**6)
    assert [m.advocate for m in matching.match(request, 3).matches] == [
        tied,
        best_standing,
        at_the_cut,
    ]


# The light kind each case requests beside the industry (weight 3): the language, or a custom
# field (weighed 1 here, read on the wide row), and what the tied advocate, the others and the
# request hold of it.
LIGHT = {
    "language": (
        {"languages": ["de"]},
        {"languages": ["fr"]},
        {"languages": ["en"]},
        "language",
    ),
    "custom": (
        {"custom_fields": {"job_function": "cto"}},
        {"custom_fields": {"job_function": "ciso"}},
        {"custom": {"job_function": ["cio"]}},
        "crit_custom",
    ),
}


@pytest.mark.parametrize("light", list(LIGHT))
def test_below_the_cut_a_tie_that_misses_a_light_kind_is_kept(db, monkeypatch, light):
    """The second read skips, below the cut, whoever misses a requested kind too heavy to miss
    and still reach the last score found. Here the light kind (weight 1) is exactly light
    enough: the advocate just below the cut who shares the industry but not the light kind
    ties with the best-standing one and comes first by id. Requiring it too would lose them."""
    tied_has, others_have, wanted, column = LIGHT[light]
    if light == "custom":
        add_fields(UserFactory(role="admin"))
    # Relevance 3 (the industry, not the light kind) + fairness 0.8: score 3.8, the lowest id.
    tied = AdvocateFactory(account=AccountFactory(industry="banking"), **tied_has)
    asked(tied, 2)
    # Fairness 0.8, standing 3 (a healthy promoter), relevance 0: score 3.8.
    best_standing = AdvocateFactory(account=AccountFactory(industry="retail"), **others_have)
    asked(best_standing, 2)
    _db.session.add(
        Referenceability(
            account=best_standing.account, status="referenceable", health="healthy", nps=70
        )
    )
    # Fairness 0.9: the second most points, the cut with HIGH_POINTS 1.
    at_the_cut = AdvocateFactory(account=AccountFactory(industry="retail"), **others_have)
    asked(at_the_cut, 1)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"], **wanted})
    _db.session.commit()
    monkeypatch.setattr(ranking, "HIGH_POINTS", 1)
    monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
    weights = {"industry": 3, light: 1}
    with QueryCounter(_db.engine) as queries:
        top = matching.match(request, 1, near_misses=0, weights=weights).matches
    assert [(m.advocate, m.score) for m in top] == [(tied, 3.8)]
    # The second read required the industry below the cut, and not the light kind.
    conditions = [s for s in queries.statements if "ORDER BY score DESC" in s][-1]
    conditions = conditions.split("WHERE", 1)[1]  # the score is worked out before its WHERE
    assert "industry IN" in conditions
    assert column not in conditions


def test_a_custom_field_criterion_ranks_as_reading_everyone(db, monkeypatch, pruned):
    """A requested custom field (read on the wide eligibility row) heavy enough that the second
    read requires it below the cut: the ranking is still everyone's."""
    add_fields(UserFactory(role="admin"))
    rng = random.Random(9)
    now = dt.datetime.now(dt.UTC)
    for _ in range(40):
        advocate = AdvocateFactory(
            account=AccountFactory(industry=rng.choice(INDUSTRIES)),
            custom_fields={"job_function": rng.choice(("cio", "cto", "ciso"))},
        )
        for _ in range(rng.choice((0, 1, 3))):
            days = rng.randint(30, 400)
            AskFactory(advocate=advocate, status="completed", asked_at=now - dt.timedelta(days))
    request = ReferenceRequestFactory(
        criteria={"industries": ["banking"], "custom": {"job_function": ["cio"]}}
    )
    _db.session.commit()
    weights = {"industry": 1, "custom": 9}
    everyone = {limit: _shown(matching.match(request, limit, weights=weights)) for limit in (1, 5)}
    monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
    for cut in (2, 5, 12):
        monkeypatch.setattr(ranking, "HIGH_POINTS", cut)
        for limit in (1, 5):
            found = _shown(matching.match(request, limit, near_misses=0, weights=weights))
            assert found == everyone[limit], (cut, limit)
    assert any(pruned)


def test_when_the_most_points_are_shared_by_many_the_first_read_takes_the_heaviest_kind(
    db, monkeypatch
):
    """Never asked and without customer success's word, every advocate has the same (most)
    points: all are at the floor. The first read then takes those who share the heaviest
    requested kind (the industry, through its index) and keeps them when nobody missing it can
    reach them; the second read takes, at or above the floor, only the rows already found.
    Either way the ranking is everyone's; when the heaviest kind's sharers can't settle it
    (as heavy as the others, and nobody shares all three), everyone at the floor is read."""
    rng = random.Random(12)
    for _ in range(30):
        AdvocateFactory(
            account=AccountFactory(industry=rng.choice(INDUSTRIES), region=rng.choice(REGIONS)),
            languages=rng.sample(["en", "fr"], rng.randint(1, 2)),
        )
    # Nobody speaks German: with equal weights, the industry's sharers score at most 2 of 3.
    request = ReferenceRequestFactory(
        criteria={"industries": ["banking"], "regions": ["emea"], "languages": ["de"]}
    )
    _db.session.commit()
    for weights, settled in (({"industry": 6, "region": 2, "language": 1}, True),
                             ({"industry": 3, "region": 3, "language": 3}, False)):  # fmt: skip
        monkeypatch.setattr(ranking, "HIGH_POINTS", 10**6)
        monkeypatch.setattr(ranking, "SMALL_PROGRAM", 20_000)
        everyone = {
            limit: _shown(matching.match(request, limit, weights=weights)) for limit in (1, 3)
        }
        monkeypatch.setattr(ranking, "SMALL_PROGRAM", 0)
        monkeypatch.setattr(ranking, "HIGH_POINTS", 5)
        for limit in (1, 3):
            with QueryCounter(_db.engine) as queries:
                found = _shown(matching.match(request, limit, near_misses=0, weights=weights))
            assert found == everyone[limit], (weights, limit)
            reads = [s.split("WHERE", 1)[1] for s in queries.statements if "ORDER BY score" in s]
            # The first read is of the floor's sharers of the industry (everyone is at the
            # floor: never asked, 1.5 points); when it can't settle the top, everyone at the
            # floor is read next.
            assert "points >= 15 AND" in reads[0] and "industry IN" in reads[0], reads
            whole_floor = [r for r in reads[1:] if "points >= 15 AND" in r and "industry" not in r]
            assert bool(whole_floor) is not settled, reads
