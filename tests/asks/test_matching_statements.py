"""One match runs a fixed handful of statements, however many advocates it shows or explains:
the advocates ranked are loaded in one statement with what the result shows of them (account,
customer success's word, ratings), and the program's settings and taxonomy are read once."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate, Blackout
from portal.asks import match_results, matching, overuse
from portal.asks.eligibility_row import ratings_of
from portal.asks.models import ReferenceRequest
from portal.extensions import db as _db
from portal.program import taxonomy
from portal.program.models import TaxonomyTerm
from portal.program.service import set_setting
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

# The program's settings (`program.service.settings_in_memory`), the taxonomy (labels, bits and
# groups), the points of the best-standing advocates (`ranking.ranked`: none in a program this
# small), the ranked candidates, the near misses, what is shown of both (advocates, accounts,
# customer success's word, ratings, window counts), the near misses' blackouts. It was 10.
STATEMENTS = 7
CRITERIA = {"industries": ["banking"], "languages": ["de"], "products": ["payments"]}


def now():
    return dt.datetime.now(dt.UTC)


def program(size: int) -> int:
    """`size` askable advocates and `size` near misses sharing every criterion, half of them
    with a word from customer success and a rated past call; settings stored as a program
    keeps them. Committed, and the session cleared, as a fresh web request finds it. Returns
    the request's id."""
    manager = UserFactory(role="manager")
    set_setting(manager, "account_max_per_month", 4)
    set_setting(manager, "default_max_per_month", 3)
    weights = {"industry": 3, "product": 3, "use_case": 2, "region": 1, "segment": 1}
    set_setting(manager, "match_weights", {**weights, "seniority": 1, "language": 2})
    for n in range(size):
        account = AccountFactory()
        fits = AdvocateFactory(account=account, languages=["de"], max_per_quarter=8)
        blocked = AdvocateFactory(account=account, languages=["de"], status="paused")
        today = dt.date.today()
        blocked.blackouts.append(Blackout(start=today, end=today + dt.timedelta(days=3)))
        if n % 2:
            _db.session.add(Referenceability(account=account, status="referenceable", nps=70))
            AskFactory(
                advocate=fits,
                status="completed",
                asked_at=now() - dt.timedelta(days=400),
                requester_rating=5,
            )
    request_id = ReferenceRequestFactory(criteria=CRITERIA).id
    _db.session.commit()
    _db.session.remove()
    return request_id


@pytest.mark.parametrize("size", [5, 10])
def test_one_match_runs_the_same_few_statements_however_many_it_shows(db, size):
    request = _db.session.get(ReferenceRequest, program(size))
    request.criteria  # noqa: B018 (loaded, as the page that matches has it)
    with QueryCounter(_db.engine) as queries:
        result = matching.match(request, 10, near_misses=5)
        shown = [match_results.match_dict(m) for m in result.matches]
        shown += [match_results.near_miss_dict(n) for n in result.near_misses]
    assert len(result.matches) == size
    assert len(result.near_misses) == 5
    listed = "\n".join(" ".join(s.split())[:120] for s in queries.statements)
    assert queries.count == STATEMENTS, listed
    rated = [m for m in result.matches if any(r.startswith("Rated 5.0/5") for r in m.reasons)]
    assert len(rated) == size // 2
    assert all("Account NPS 70 +1" in m.reasons for m in rated)
    assert all(any("blackout" in why for why in n.refusals) for n in result.near_misses)


def test_asks_left_read_the_default_limits_once_as_overuse_does(db):
    manager = UserFactory(role="manager")
    set_setting(manager, "default_max_per_month", 2)
    set_setting(manager, "default_max_per_quarter", 5)
    set_setting(manager, "default_min_days_between", 0)
    own = AdvocateFactory(max_per_month=4)
    default = AdvocateFactory()
    AskFactory(advocate=default, status="accepted", asked_at=now())
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    _db.session.flush()
    found = {m.advocate.id: m.asks_left for m in matching.match(request, 10).matches}
    for advocate in (own, default):
        limits = overuse.effective_limits(advocate)
        used = overuse.usage(advocate)
        assert found[advocate.id] == {
            "month": limits.per_month - used.month,
            "quarter": limits.per_quarter - used.quarter,
        }
    assert found[own.id]["month"] == 4
    assert found[default.id]["month"] == 1


def test_the_ranked_statement_counts_ratings_as_eligibility_does(db):
    rated = AdvocateFactory()
    long_ago = now() - dt.timedelta(days=400)
    for status, stars in (("completed", 4), ("completed", 3), ("completed", None), ("declined", 1)):
        AskFactory(advocate=rated, status=status, asked_at=long_ago, requester_rating=stars)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    _db.session.flush()
    [found] = matching.match(request, 10).matches
    assert ratings_of([rated.id]) == {rated.id: (3.5, 2)}
    assert "Rated 3.5/5 on 2 past calls +0" in found.reasons


def test_the_vocabulary_reads_groups_as_the_taxonomy_does(db):
    admin = UserFactory(role="admin")
    group = taxonomy.add_term(admin, "industry", None, "Financial services")
    members = ("insurance", "banking")
    for value in members:
        term = _db.session.scalar(
            sa.select(TaxonomyTerm).where(
                TaxonomyTerm.kind == "industry", TaxonomyTerm.value == value
            )
        )
        taxonomy.set_term_group(admin, term, group.id)
    _db.session.flush()
    criteria = {"industries": [group.value, "retail"], "languages": ["de"]}
    chosen = {"industry": [group.value, "retail"], "language": ["de"]}
    vocabulary = matching.Vocabulary()
    assert vocabulary.expand(chosen) == taxonomy.expand_groups(chosen)
    assert set(vocabulary.expand(chosen)["industry"]) == {group.value, "retail", *members}
    assert matching.requested_terms(criteria, vocabulary) == matching.requested_terms(criteria)


def _ranking(statements: list[str]) -> list[str]:
    """The statements that rank candidates (the top N and the near misses)."""
    return [s for s in statements if "FROM match_rows" in s and "advocate_id" in s.split("FROM")[0]]


def test_ranking_reads_the_narrow_match_rows_unless_it_needs_the_criteria_text(db):
    """Ranking reads every askable advocate's row: the narrow match rows, with the criteria's
    masks; the wide eligibility row (framed text) only for a criterion a mask can't answer."""
    request = _db.session.get(ReferenceRequest, program(3))
    with QueryCounter(_db.engine) as queries:
        result = matching.match(request, 10, near_misses=5)
    assert len(result.matches) == 3 and len(result.near_misses) == 3
    ranking = _ranking(queries.statements)
    assert len(ranking) >= 2  # the top N and the near misses
    assert not [s for s in ranking if "advocate_eligibility" in s]

    # A custom field used in matching: its values are in the framed text.
    add_fields(UserFactory(role="admin"))
    fitting = _db.session.scalars(
        sa.select(Advocate).where(Advocate.status == "active").order_by(Advocate.id)
    ).first()
    fitting.custom_fields = {"job_function": "cio"}
    request.criteria = {**CRITERIA, "custom": {"job_function": ["cio"]}}
    _db.session.commit()
    with QueryCounter(_db.engine) as queries:
        result = matching.match(request, 10, near_misses=5)
    by_advocate = {m.advocate: m for m in result.matches}
    fit = by_advocate.pop(fitting)
    assert "Job function: CIO" in fit.reasons
    assert by_advocate and all("Job function: CIO" not in m.reasons for m in by_advocate.values())
    assert {fit.relevance - m.relevance for m in by_advocate.values()} == {2}  # custom: 2
    ranking = _ranking(queries.statements)
    assert ranking and all("JOIN advocate_eligibility" in s for s in ranking)
