"""Matching: hard rules exclude (agreeing with the overuse service), relevance and fairness rank,
reasons say why, near misses say what keeps them out and from when."""

import datetime as dt

import pytest

from portal.asks import match_results, matching, overuse, placing
from portal.program.service import set_setting
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)


def now():
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def ranked(request, limit=10):
    return [m.advocate for m in matching.match(request, limit).matches]


def reasons_of(request, advocate):
    for m in matching.match(request, 50).matches:
        if m.advocate.id == advocate.id:
            return m.reasons
    raise AssertionError(f"{advocate.name} is not a match")


def check_agreement(request, at=None):
    """Every candidate passes every hard rule; every near miss breaks one."""
    result = matching.match(request, 50, near_misses=50, at=at)
    for m in result.matches:
        assert matching.hard_rule_refusals(request, m.advocate, at) == [], m.advocate.name
        assert overuse.refusals(m.advocate, request.activity_type, at) == []
    for n in result.near_misses:
        assert matching.hard_rule_refusals(request, n.advocate, at) != []
        assert n.refusals
    return result


HARD_RULES = {
    "advocate_status": lambda a: setattr(a, "status", "paused"),
    "account_status": lambda a: setattr(a.account, "status", "paused"),
    "activity_type": lambda a: setattr(a, "activity_types", ["case_study"]),
    "paused": lambda a: setattr(a, "paused_until", dt.date.today() + dt.timedelta(days=10)),
}


@pytest.mark.parametrize("rule", sorted(HARD_RULES))
def test_each_status_and_preference_rule_excludes_and_names_itself_in_near_misses(db, rule):
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    fine = AdvocateFactory()
    excluded = AdvocateFactory()
    HARD_RULES[rule](excluded)
    db.session.flush()
    result = check_agreement(request)
    assert [m.advocate for m in result.matches] == [fine]
    [miss] = result.near_misses
    assert miss.advocate == excluded
    rules = {r.rule for r in matching.hard_rule_refusals(request, excluded)}
    assert rule in rules


def test_blackout_excludes_with_the_day_it_ends(db):
    from portal.advocates.models import Blackout

    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    excluded = AdvocateFactory()
    today = dt.date.today()
    excluded.blackouts.append(Blackout(start=today, end=today + dt.timedelta(days=3)))
    db.session.flush()
    result = check_agreement(request)
    assert result.matches == []
    [miss] = result.near_misses
    assert "blackout" in miss.refusals[0]
    assert miss.free_from == today + dt.timedelta(days=4)


def test_a_blackout_ahead_excludes_once_it_starts(db):
    from portal.advocates.models import Blackout

    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    advocate = AdvocateFactory(timezone="UTC")
    start = dt.date.today() + dt.timedelta(days=5)
    advocate.blackouts.append(Blackout(start=start, end=start + dt.timedelta(days=2)))
    db.session.flush()
    assert ranked(request) == [advocate]
    during = dt.datetime.combine(start + dt.timedelta(days=1), dt.time(12), dt.UTC)
    assert matching.match(request, at=during).matches == []
    check_agreement(request, at=during)
    after = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(12), dt.UTC)
    assert [m.advocate for m in matching.match(request, at=after).matches] == [advocate]


def test_monthly_limit_and_cooldown_exclude_until_the_day_they_pass(db, manager):
    advocate = AdvocateFactory(max_per_month=1, min_days_between=30)
    placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    result = check_agreement(request)
    assert result.matches == []
    [miss] = result.near_misses
    words = " ".join(miss.refusals)
    assert "monthly limit of 1 reached" in words
    assert "30 days must pass" in words
    assert miss.free_from == overuse.free_from(overuse.refusals(advocate, "reference_call"))
    assert miss.free_from > dt.date.today()


def test_advocate_at_the_prospect_company_is_never_a_candidate(db):
    account = AccountFactory(name="Nordbank AG")
    insider = AdvocateFactory(account=account)
    outsider = AdvocateFactory()
    request = ReferenceRequestFactory(
        prospect_company="  nordbank ag ", criteria={"industries": ["banking"]}
    )
    result = check_agreement(request)
    assert [m.advocate for m in result.matches] == [outsider]
    [miss] = result.near_misses
    assert miss.advocate == insider
    assert "works at the prospect" in miss.refusals[0]


def test_advocate_already_asked_for_the_request_is_not_suggested_again(db, manager):
    first = AdvocateFactory()
    second = AdvocateFactory()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    placing.place_ask(manager, request, first)
    result = check_agreement(request)
    assert [m.advocate for m in result.matches] == [second]
    assert first not in [n.advocate for n in result.near_misses]


FACTORS = [
    (
        "industries",
        ["insurance"],
        {"account": {"industry": "insurance"}},
        "same industry: Insurance",
    ),
    ("products", ["analytics"], {"products": ["analytics"]}, "uses product: Analytics"),
    (
        "use_cases",
        ["cloud_migration"],
        {"use_cases": ["cloud_migration"]},
        "use case: Cloud migration",
    ),
    ("regions", ["apac"], {"account": {"region": "apac"}}, "same region: APAC"),
    ("segments", ["smb"], {"account": {"segment": "smb"}}, "same segment: SMB"),
    ("seniorities", ["executive"], {"seniority": "executive"}, "seniority: Executive"),
    ("languages", ["de"], {"languages": ["de"]}, "speaks: German"),
]


@pytest.mark.parametrize(("key", "wanted", "fits", "reason"), FACTORS, ids=[f[0] for f in FACTORS])
def test_each_relevance_factor_ranks_the_fitting_advocate_first_and_says_why(
    db, key, wanted, fits, reason
):
    plain = (
        AdvocateFactory()
    )  # created first: wins ties by id, so only relevance can lift the other
    account = fits.get("account")
    fitting = AdvocateFactory(
        **{k: v for k, v in fits.items() if k != "account"},
        **({"account": AccountFactory(**account)} if account else {}),
    )
    request = ReferenceRequestFactory(criteria={key: wanted})
    assert ranked(request) == [fitting, plain]
    assert reason in reasons_of(request, fitting)
    assert not any(r.startswith(reason.split(":")[0] + ":") for r in reasons_of(request, plain))


def test_a_value_matches_only_itself_never_a_look_alike(db):
    """Multi-valued criteria are compared as whole values: `_` and `%` are not wildcards, and a
    value is not found inside a longer one."""
    plain = AdvocateFactory(use_cases=["cloudxmigration", "cloud_migration_plus"], products=[])
    fitting = AdvocateFactory(use_cases=["cloud_migration"], products=[])
    request = ReferenceRequestFactory(criteria={"use_cases": ["cloud_migration"]})
    result = matching.match(request, 10)
    relevance = {m.advocate.id: m.relevance for m in result.matches}
    assert relevance[fitting.id] > 0
    assert relevance[plain.id] == 0


def test_weights_come_from_the_program_settings(db):
    by_industry = AdvocateFactory(account=AccountFactory(industry="insurance"))
    by_language = AdvocateFactory(languages=["de"], account=AccountFactory(industry="retail"))
    request = ReferenceRequestFactory(criteria={"industries": ["insurance"], "languages": ["de"]})
    assert ranked(request) == [by_industry, by_language]
    weights = {
        "industry": 1,
        "product": 3,
        "use_case": 2,
        "region": 2,
        "segment": 1,
        "seniority": 1,
        "language": 5,
    }
    set_setting(None, "match_weights", weights)
    assert ranked(request) == [by_language, by_industry]


def test_recently_asked_advocates_sink_and_the_reasons_count_their_asks(db):
    busy = AdvocateFactory()
    AskFactory(advocate=busy, status="completed", asked_at=now() - dt.timedelta(days=40))
    rested = AdvocateFactory()
    AskFactory(advocate=rested, status="completed", asked_at=now() - dt.timedelta(days=200))
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    assert ranked(request) == [rested, busy]
    assert "1 ask in 90 days, 1 in 12 months" in reasons_of(request, busy)
    assert "0 asks in 90 days, 1 in 12 months" in reasons_of(request, rested)


def test_often_asked_advocates_sink_below_rarely_asked_ones(db):
    often = AdvocateFactory(max_per_year=20)
    for days in (120, 150, 200, 250):
        AskFactory(advocate=often, status="completed", asked_at=now() - dt.timedelta(days=days))
    rarely = AdvocateFactory()
    AskFactory(advocate=rarely, status="completed", asked_at=now() - dt.timedelta(days=300))
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    assert ranked(request) == [rarely, often]


def test_never_asked_advocates_rise_and_the_reason_says_so(db):
    asked = AdvocateFactory()
    AskFactory(advocate=asked, status="completed", asked_at=now() - dt.timedelta(days=300))
    fresh = AdvocateFactory()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    assert ranked(request) == [fresh, asked]
    assert any(r.startswith("never asked") for r in reasons_of(request, fresh))


def test_relevance_outweighs_a_small_fairness_difference(db):
    fitting = AdvocateFactory(languages=["de"])
    AskFactory(advocate=fitting, status="completed", asked_at=now() - dt.timedelta(days=300))
    fresh = AdvocateFactory()  # never asked: +1.5, against the fitting one's +0.9 and German
    request = ReferenceRequestFactory(
        criteria={"industries": ["banking"], "languages": ["de"], "products": ["payments"]}
    )
    assert ranked(request) == [fitting, fresh]


def test_advocates_sharing_no_criterion_still_fill_the_list_by_fairness(db):
    fitting = AdvocateFactory(languages=["de"])
    other = AdvocateFactory(languages=["fr"])
    request = ReferenceRequestFactory(criteria={"languages": ["de"]})
    result = matching.match(request, 5)
    assert [m.advocate for m in result.matches] == [fitting, other]
    assert result.matches[1].relevance == 0


def test_the_limit_caps_the_list_and_scores_descend(db):
    for _ in range(6):
        AdvocateFactory()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    result = matching.match(request, 4)
    assert len(result.matches) == 4
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)


def test_match_dict_has_the_api_shape(db):
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    [item] = [match_results.match_dict(m) for m in matching.match(request).matches]
    assert item["advocate_id"] == advocate.id
    assert item["advocate"]["name"] == advocate.name
    assert item["score"] > 0
    assert "same industry: Banking" in item["reasons"]
