"""Reference requests: intake (drafts, copies, bad input), triage, closing the loop, expiry."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import asks, completion, placing, request_queries, requests
from portal.asks.models import Ask, ReferenceRequest, RequestComment
from portal.benefits.models import LedgerEntry
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tests.factories import (
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def now():
    return dt.datetime.now(dt.UTC)


def in_days(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def requester(db):
    return UserFactory(role="requester", team="sales")


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def good(**overrides):
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "opportunity_name": "Payments platform",
        "opportunity_amount": "250000",
        "needed_by": in_days(10),
        "advocates_needed": 2,
        "criteria": {"industries": ["banking"], "regions": ["emea"], "languages": ["de"]},
        "context": "A call about the migration.",
    }
    data.update(overrides)
    return data


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_requester_files_a_request_with_criteria(db, requester):
    request = requests.create_request(requester, good())
    assert request.status == "submitted"
    assert request.criteria == {"industries": ["banking"], "regions": ["emea"], "languages": ["de"]}
    assert str(request.opportunity_amount) == "250000.00"


BAD = [
    ("needed_by", {"needed_by": in_days(-1)}),
    ("opportunity_amount", {"opportunity_amount": "-5"}),
    ("opportunity_amount", {"opportunity_amount": "a lot"}),
    ("criteria.industries", {"criteria": {"industries": ["underwater_basket_weaving"]}}),
    ("criteria.regions", {"criteria": {"regions": ["mars"]}}),
    ("advocates_needed", {"advocates_needed": 0}),
    ("advocates_needed", {"advocates_needed": 21}),
    ("context", {"context": "x" * 100_000}),
    ("activity_type", {"activity_type": "skydiving"}),
]


@pytest.mark.parametrize(("field", "change"), BAD, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD)])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(db, requester, field, change):
    with pytest.raises(ValidationFailed) as refused:
        requests.create_request(requester, good(**change))
    assert field in refused.value.fields
    assert count(db, ReferenceRequest) == 0


def test_a_draft_may_be_incomplete_but_submitting_checks_it(db, requester):
    draft = requests.save_draft(
        requester, {"activity_type": "reference_call", "needed_by": in_days(14)}
    )
    assert draft.status == "draft"
    requests.update_request(requester, draft, {"advocates_needed": 2, "prospect_company": "X"})
    requests.submit_request(requester, draft)
    assert draft.status == "submitted"
    with pytest.raises(DomainError):
        requests.submit_request(requester, draft)


def test_copy_starts_a_draft_with_the_same_needs(db, requester):
    source = requests.create_request(requester, good())
    copy = requests.copy_request(requester, source)
    assert copy.status == "draft" and copy.id != source.id
    assert copy.criteria == source.criteria and copy.prospect_company == "Nordbank"


def test_requester_sees_only_their_own_requests(db, requester):
    own = ReferenceRequestFactory(requester=requester)
    other = ReferenceRequestFactory()
    listed = db.session.scalars(request_queries.requests_query(requester)).all()
    assert listed == [own]
    with pytest.raises(NotFound):
        requests.get_request(requester, other.id)
    with pytest.raises(NotFound):
        requests.copy_request(requester, other)
    with pytest.raises(NotFound):
        requests.comment_on_request(requester, other, "hello?")


def test_manager_sees_all_and_the_queue_views(db, manager):
    soon = ReferenceRequestFactory(needed_by=dt.date.today() + dt.timedelta(days=2))
    late = ReferenceRequestFactory(needed_by=dt.date.today() + dt.timedelta(days=30))
    late.manager_id = manager.id
    overdue = ReferenceRequestFactory(status="in_progress")
    overdue.needed_by = dt.date.today() - dt.timedelta(days=1)
    db.session.flush()

    def view(name):
        return set(db.session.scalars(request_queries.requests_query(manager, {"view": name})))

    assert view("due_soon") == {soon}
    assert view("overdue") == {overdue}
    assert view("assigned") == {late}
    assert view("new") == {soon, late}


def test_manager_assigns_rejects_with_a_reason_and_the_thread_says_so(db, manager):
    request = ReferenceRequestFactory()
    requests.assign_request(manager, request, manager)
    assert request.manager_id == manager.id
    with pytest.raises(ValidationFailed):
        requests.reject_request(manager, request, "  ")
    requests.reject_request(manager, request, "We have no bank in Germany yet.")
    assert request.status == "cancelled"
    assert request.status_reason == "We have no bank in Germany yet."
    assert "no bank in Germany" in request.comments[-1].body


def test_requester_cannot_assign_or_reject(db, requester):
    request = ReferenceRequestFactory(requester=requester)
    with pytest.raises(Forbidden):
        requests.assign_request(requester, request, requester)
    with pytest.raises(Forbidden):
        requests.reject_request(requester, request, "no")


def test_comments_form_a_thread_for_both_sides(db, requester, manager):
    request = ReferenceRequestFactory(requester=requester)
    requests.comment_on_request(manager, request, "Which product do they evaluate?")
    requests.comment_on_request(requester, request, "Payments.")
    assert [c.body for c in request.comments] == ["Which product do they evaluate?", "Payments."]
    with pytest.raises(ValidationFailed):
        requests.comment_on_request(requester, request, "x" * 6000)
    assert count(db, RequestComment) == 2


def test_cancelling_withdraws_the_open_asks(db, requester, manager):
    request = ReferenceRequestFactory(requester=requester)
    ask = placing.place_ask(manager, request, AdvocateFactory())
    requests.cancel_request(requester, request, "Deal lost early.")
    assert request.status == "cancelled" and ask.status == "withdrawn"


def test_manager_places_a_call_ask_a_requester_may_not(db, requester, manager):
    request = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    advocate = AdvocateFactory()
    with pytest.raises(Forbidden):
        placing.place_ask(requester, request, advocate)
    assert placing.place_ask(manager, request, advocate).status == "pending"


def test_requester_places_a_self_service_ask_directly(db, requester):
    request = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    advocate = AdvocateFactory(activity_types=["peer_review"])
    placed, refused = placing.place_asks(requester, request, [advocate])
    assert [a.advocate for a in placed] == [advocate] and refused == {}


def test_placing_several_asks_keeps_the_good_ones_and_names_each_refusal(db, manager):
    request = ReferenceRequestFactory()
    fine = AdvocateFactory()
    opted_out = AdvocateFactory(activity_types=["quote"])
    placed, refused = placing.place_asks(manager, request, [fine, opted_out])
    assert [a.advocate for a in placed] == [fine]
    assert "not opted into reference call" in refused[opted_out.name]
    assert count(db, Ask) == 1


def accepted_ask(manager, request=None):
    advocate, user = advocate_with_login()
    request = request or ReferenceRequestFactory()
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    return ask


def test_schedule_and_reschedule_an_accepted_ask(db, manager):
    ask = accepted_ask(manager)
    first = now() + dt.timedelta(days=3)
    completion.schedule_ask(manager, ask, first)
    completion.reschedule_ask(manager, ask, first + dt.timedelta(days=1))
    assert ask.scheduled_at == first + dt.timedelta(days=1)
    shown = asks.scheduled_asks(now(), now() + dt.timedelta(days=7))
    assert [(row.id, row.scheduled_at, row.advocate_name) for row in shown] == [
        (ask.id, ask.scheduled_at, ask.advocate.name)
    ]


def test_completion_awards_the_activity_points_and_completes_the_request(db, manager):
    ask = accepted_ask(manager)
    request = ask.request
    assert request.status == "fulfilled"
    completion.complete_ask(request.requester, ask, rating=5, feedback="Great call.")
    assert ask.status == "completed" and ask.requester_rating == 5
    assert ask.requester_feedback == "Great call."
    [entry] = db.session.scalars(sa.select(LedgerEntry)).all()
    assert (entry.advocate_id, entry.delta, entry.reason, entry.ask_id) == (
        ask.advocate_id,
        50,
        "activity",
        ask.id,
    )
    assert request.status == "completed"


@pytest.mark.parametrize("rating", [0, 6, "five", None])
def test_requester_rating_must_be_one_to_five(db, manager, rating):
    ask = accepted_ask(manager)
    with pytest.raises(ValidationFailed) as refused:
        completion.complete_ask(ask.request.requester, ask, rating=rating)
    assert "rating" in refused.value.fields
    assert ask.status == "accepted"
    assert count(db, LedgerEntry) == 0


def test_manager_completes_without_a_rating_and_the_requester_rates_later(db, manager):
    ask = accepted_ask(manager)
    completion.complete_ask(manager, ask)
    assert ask.requester_rating is None
    completion.rate_ask(ask.request.requester, ask, 4, "Helpful")
    assert ask.requester_rating == 4


def test_a_pending_ask_cannot_be_completed(db, manager):
    ask = placing.place_ask(manager, ReferenceRequestFactory(), AdvocateFactory())
    with pytest.raises(DomainError, match="only an accepted one"):
        completion.complete_ask(manager, ask, rating=5)


def test_outcome_is_recorded_and_can_change_later(db, requester):
    request = ReferenceRequestFactory(requester=requester)
    requests.record_outcome(requester, request, "won", "1200000")
    assert request.opportunity_outcome == "won" and str(request.opportunity_amount) == "1200000.00"
    requests.record_outcome(requester, request, "lost")
    assert request.opportunity_outcome == "lost"
    with pytest.raises(ValidationFailed) as refused:
        requests.record_outcome(requester, request, "won", "-1")
    assert "opportunity_amount" in refused.value.fields
    with pytest.raises(ValidationFailed):
        requests.record_outcome(requester, request, "maybe")


def test_expiry_on_read_expires_overdue_asks_and_requests(db, manager):
    request = ReferenceRequestFactory(status="in_progress")
    ask = AskFactory(request=request, respond_by=now() - dt.timedelta(minutes=1))
    assert requests.refresh_request(request) is True
    assert ask.status == "expired"
    assert request.status == "in_progress"
    request.needed_by = dt.date.today() - dt.timedelta(days=1)
    requests.refresh_request(request)
    assert request.status == "expired"


def test_expire_asks_command_expires_overdue_asks(app, db, runner):
    ask = AskFactory(respond_by=now() - dt.timedelta(minutes=1))
    fresh = AskFactory()
    db.session.commit()
    result = runner.invoke(args=["expire-asks"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 ask" in result.output
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "expired"
    assert db.session.get(Ask, fresh.id).status == "pending"


def test_timeline_tells_the_story_in_words(db, requester, manager):
    request = requests.create_request(requester, good(advocates_needed=1))
    advocate, user = advocate_with_login()
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    texts = [step["text"] for step in request_queries.request_timeline(request)]
    assert texts == [
        "Submitted to the reference team",
        "Assigned to a reference manager",  # the manager who asks first runs the request
        f"Asked {advocate.name}",
        f"{advocate.name} accepted",
        "Fulfilled: enough advocates accepted",
    ]
