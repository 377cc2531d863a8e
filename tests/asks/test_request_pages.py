"""The requester's and the reference team's request pages."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import asks, placing
from portal.asks.models import Ask, ReferenceRequest
from portal.benefits.models import LedgerEntry
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def in_days(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def requester(db):
    return UserFactory(email="rep@example.com", role="requester", team="sales")


@pytest.fixture
def manager(db):
    return UserFactory(email="boss@example.com", role="manager", name="Maya Manager")


def form(**overrides):
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "needed_by": in_days(10),
        "advocates_needed": "1",
        "industries": ["banking"],
        "context": "Call about payments.",
        "action": "submit",
    }
    data.update(overrides)
    return data


def requests(db):
    return db.session.scalars(sa.select(ReferenceRequest)).all()


def test_requester_files_a_request_and_sees_its_timeline(client, auth, db, requester):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form())
    assert response.status_code == 302
    [request] = requests(db)
    assert request.status == "submitted" and request.criteria == {"industries": ["banking"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Submitted to the reference team" in page
    assert "Banking" in page


def test_a_draft_is_saved_and_submitted_later(client, auth, db, requester):
    db.session.commit()
    auth.login(requester.email)
    response = client.post(
        "/requests/new",
        data={"activity_type": "case_study", "needed_by": in_days(60), "action": "draft"},
    )
    assert response.status_code == 302
    [request] = requests(db)
    assert request.status == "draft"
    assert client.post(f"/requests/{request.id}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(ReferenceRequest, request.id).status == "submitted"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"needed_by": in_days(-2)}, "Must not be in the past."),
        ({"opportunity_amount": "-100"}, "Must not be negative."),
        ({"opportunity_amount": "lots"}, "Must be a number"),
        ({"industries": ["astrology"]}, "Unknown value: astrology"),
        ({"advocates_needed": "25"}, "Must be at most 20."),
        ({"advocates_needed": "0"}, "Must be at least 1."),
        ({"context": "x" * 100_000}, "Must be at most 5000 characters"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_nothing_is_written(
    client, auth, db, requester, change, message
):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form(**change))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert "invalid-feedback" in body
    assert requests(db) == []


def test_requester_lists_only_own_requests_and_cannot_open_others(client, auth, db, requester):
    own = ReferenceRequestFactory(requester=requester, prospect_company="Own Prospect")
    other = ReferenceRequestFactory(prospect_company="Somebody Else's")
    db.session.commit()
    auth.login(requester.email)
    page = client.get("/requests/").get_data(as_text=True)
    assert "Own Prospect" in page and "Somebody Else" not in page
    assert client.get(f"/requests/{own.id}").status_code == 200
    assert client.get(f"/requests/{other.id}").status_code == 404
    assert client.post(f"/requests/{other.id}/comments", data={"body": "hi"}).status_code == 404


def test_copy_makes_a_draft_to_edit(client, auth, db, requester):
    source = ReferenceRequestFactory(requester=requester, criteria={"languages": ["de"]})
    db.session.commit()
    auth.login(requester.email)
    response = client.post(f"/requests/{source.id}/copy")
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    copy = db.session.scalars(
        sa.select(ReferenceRequest).where(ReferenceRequest.id != source.id)
    ).one()
    assert copy.status == "draft" and copy.criteria == {"languages": ["de"]}
    assert client.get(response.headers["Location"]).status_code == 200


def test_manager_sees_ranked_matches_with_reasons_and_near_misses(client, auth, db, manager):
    fit = AdvocateFactory(name="Fiona Fit", languages=["de"])
    AdvocateFactory(name="Paula Paused", paused_until=dt.date.today() + dt.timedelta(days=9))
    request = ReferenceRequestFactory(criteria={"industries": ["banking"], "languages": ["de"]})
    db.session.commit()
    auth.login(manager.email)
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert "Fiona Fit" in page
    assert "same industry: Banking" in page and "speaks: German" in page
    assert "Near misses" in page and "Paula Paused" in page and "paused until" in page
    assert f'value="{fit.id}"' in page


def test_manager_places_two_asks_from_the_matches(client, auth, db, manager):
    first, second = AdvocateFactory(), AdvocateFactory()
    request = ReferenceRequestFactory(advocates_needed=2)
    db.session.commit()
    auth.login(manager.email)
    response = client.post(
        f"/program/requests/{request.id}/asks",
        data={"advocate_id": [str(first.id), str(second.id)], "respond_by": in_days(4)},
    )
    assert response.status_code == 302
    asks = db.session.scalars(sa.select(Ask)).all()
    assert {a.advocate_id for a in asks} == {first.id, second.id}
    assert all(a.status == "pending" for a in asks)


def test_placing_with_nothing_ticked_or_a_refused_advocate_says_why(client, auth, db, manager):
    opted_out = AdvocateFactory(activity_types=["quote"])
    request = ReferenceRequestFactory()
    db.session.commit()
    auth.login(manager.email)
    response = client.post(f"/program/requests/{request.id}/asks", data={})
    assert response.status_code == 422
    assert "Tick at least one advocate" in response.get_data(as_text=True)
    response = client.post(
        f"/program/requests/{request.id}/asks",
        data={"advocate_id": str(opted_out.id)},
        follow_redirects=True,
    )
    assert response.request.path == f"/program/requests/{request.id}"  # redirected, not a POST
    assert "not opted into reference call" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Ask)).all() == []


def test_requester_sees_ask_buttons_only_for_self_service_types(client, auth, db, requester):
    AdvocateFactory(name="Rita Reviewer", activity_types=["peer_review", "reference_call"])
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    call = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    db.session.commit()
    auth.login(requester.email)
    page = client.get(f"/requests/{review.id}").get_data(as_text=True)
    assert "Rita Reviewer" in page and "Ask the ticked advocates" in page
    page = client.get(f"/requests/{call.id}").get_data(as_text=True)
    assert "Rita Reviewer" not in page and "Ask the ticked advocates" not in page


def test_requester_cannot_place_a_call_ask_but_can_a_peer_review(client, auth, db, requester):
    advocate = AdvocateFactory(activity_types=["peer_review", "reference_call"])
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    call = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    db.session.commit()
    auth.login(requester.email)
    data = {"advocate_id": str(advocate.id)}
    assert client.post(f"/requests/{call.id}/asks", data=data).status_code == 403
    assert client.post(f"/requests/{review.id}/asks", data=data).status_code == 302
    [ask] = db.session.scalars(sa.select(Ask)).all()
    assert ask.request_id == review.id


def test_rating_flow_on_the_requester_page(client, auth, db, requester, manager):
    advocate, user = advocate_with_login()
    request = ReferenceRequestFactory(requester=requester)
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    db.session.commit()
    auth.login(requester.email)
    response = client.post(f"/requests/asks/{ask.id}/rate", data={"rating": "7"})
    assert response.status_code == 422
    assert "Must be from 1 to 5." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
    response = client.post(
        f"/requests/asks/{ask.id}/rate", data={"rating": "5", "feedback": "Superb"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    ask = db.session.get(Ask, ask.id)
    assert (ask.status, ask.requester_rating, ask.requester_feedback) == ("completed", 5, "Superb")
    assert db.session.scalar(sa.select(LedgerEntry.delta)) == 50


def test_manager_triages_assigns_comments_and_rejects(client, auth, db, manager):
    request = ReferenceRequestFactory()
    db.session.commit()
    auth.login(manager.email)
    base = f"/program/requests/{request.id}"
    assert client.post(f"{base}/assign", data={"manager_id": str(manager.id)}).status_code == 302
    assert client.post(f"{base}/comments", data={"body": "Which product?"}).status_code == 302
    response = client.post(f"{base}/reject", data={"reason": ""})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    assert client.post(f"{base}/reject", data={"reason": "No fit yet."}).status_code == 302
    db.session.expire_all()
    request = db.session.get(ReferenceRequest, request.id)
    assert (request.manager_id, request.status) == (manager.id, "cancelled")
    queue = client.get("/program/queue?view=new").get_data(as_text=True)
    assert "Nothing here" in queue


def test_schedule_complete_and_calendar(client, auth, db, manager):
    advocate, user = advocate_with_login(name="Carla Calendar")
    request = ReferenceRequestFactory()
    ask = placing.place_ask(manager, request, advocate)
    asks.answer_ask(user, ask, accept=True)
    db.session.commit()
    auth.login(manager.email)
    when = (dt.datetime.now() + dt.timedelta(days=2)).replace(microsecond=0)
    response = client.post(
        f"/program/asks/{ask.id}/schedule", data={"scheduled_at": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    assert client.post(f"/program/asks/{ask.id}/schedule", data={}).status_code == 422
    page = client.get("/program/calendar/").get_data(as_text=True)
    assert "Carla Calendar" in page
    assert client.post(f"/program/asks/{ask.id}/complete", data={"rating": "9"}).status_code == 422
    assert client.post(f"/program/asks/{ask.id}/complete", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "completed"


def test_the_request_page_shows_overdue_asks_expired_and_the_job_saves_it(
    client, auth, db, manager, runner
):
    advocate = AdvocateFactory(account=AccountFactory())
    request = ReferenceRequestFactory()
    ask = placing.place_ask(manager, request, advocate)
    ask.respond_by = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    db.session.commit()
    auth.login(manager.email)
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert "expired unanswered" in page
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "pending"  # a page read writes nothing
    assert runner.invoke(args=["expire-asks"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "expired"


def test_withdraw_from_the_request_page(client, auth, db, manager):
    request = ReferenceRequestFactory()
    ask = placing.place_ask(manager, request, AdvocateFactory())
    db.session.commit()
    auth.login(manager.email)
    assert client.post(f"/program/asks/{ask.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert db.session.get(Ask, ask.id).status == "withdrawn"
