"""The advocate's own pages: home, answering asks, someone else's ask, profile, history."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks.models import Ask
from portal.audit.models import AuditEvent
from portal.benefits.models import Claim
from portal.notifications.models import OutboxMessage
from tests.factories import (
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    advocate_with_login,
)

TERMS = "2026-01"


def now():
    return dt.datetime.now(dt.UTC)


def consenting(**kwargs):
    return advocate_with_login(consent_at=now(), consent_version=TERMS, **kwargs)


@pytest.fixture
def me(db, auth):
    advocate, user = consenting(
        name="Avery Adler", timezone="UTC", max_per_quarter=3, min_days_between=0
    )
    db.session.commit()
    auth.login(user.email)
    return advocate


def actions(db, entity, entity_id) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


# Home --------------------------------------------------------------------------------------


def test_home_shows_waiting_asks_with_context_usage_in_words_points_and_benefits(db, client, me):
    request = ReferenceRequestFactory(
        activity_type="reference_call",
        prospect_company="Fjord Bank",
        context="30 minutes about the card migration.",
    )
    AskFactory(advocate=me, request=request, asked_at=now())
    AskFactory(
        advocate=me,
        status="accepted",
        asked_at=now(),
        scheduled_at=now() + dt.timedelta(days=3),
        request=ReferenceRequestFactory(activity_type="reference_call", prospect_company="Lumen"),
    )
    LedgerEntryFactory(advocate=me, delta=120)
    LedgerEntryFactory(advocate=me, delta=-20)
    BenefitFactory(title="Summit speaking slot", kind="speaking_slot")
    db.session.commit()

    assert client.get("/home").headers["Location"] == "/me/"
    for path in ("/me/",):
        page = client.get(path).get_data(as_text=True)
        assert "Reference call for Fjord Bank" in page
        assert "30 minutes about the card migration." in page
        assert f"Asked by {request.requester.name}" in page
        assert "2 of 3 asks this quarter" in page
        assert "2 reference calls" in page
        assert "Lumen" in page  # coming up
        assert ">100<" in page  # points balance
        assert "Summit speaking slot" in page
        assert "reference_call" not in page  # words, not keys


def test_home_shows_asks_past_their_answer_date_as_expired_and_the_job_keeps_it(
    db, client, me, runner
):
    late = AskFactory(
        advocate=me,
        asked_at=now() - dt.timedelta(days=10),
        respond_by=now() - dt.timedelta(hours=1),
        request=ReferenceRequestFactory(prospect_company="Late Bank"),
    )
    db.session.commit()
    page = client.get("/me/").get_data(as_text=True)
    assert "Expired before an answer" in page and "Late Bank" in page
    db.session.expire_all()
    assert db.session.get(Ask, late.id).status == "pending"  # a page read writes nothing
    assert "ask.expired" not in actions(db, "asks", late.id)
    assert runner.invoke(args=["expire-asks"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Ask, late.id).status == "expired"
    assert "ask.expired" in actions(db, "asks", late.id)


def test_text_from_requesters_is_shown_escaped(db, client, me):
    AskFactory(
        advocate=me,
        request=ReferenceRequestFactory(
            prospect_company="<b>Bold</b> Corp", context="<script>alert(1)</script>"
        ),
    )
    db.session.commit()
    page = client.get("/me/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; Corp" in page


# Answering ---------------------------------------------------------------------------------


def test_advocate_accepts_in_the_portal_with_proposed_times(db, client, me):
    ask = AskFactory(advocate=me)
    db.session.commit()
    assert "Yes, I can help" in client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    response = client.post(
        f"/me/asks/{ask.id}/accept",
        data={"proposed_times": "Tue afternoon CET", "note": "Happy to."},
    )
    assert response.status_code == 302
    db.session.refresh(ask)
    assert (ask.status, ask.proposed_times, ask.note) == (
        "accepted",
        "Tue afternoon CET",
        "Happy to.",
    )
    assert "ask.accepted" in actions(db, "asks", ask.id)
    assert (
        db.session.scalar(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.template == "ask_answered")
        )
        == ask.request.requester.email
    )


def test_advocate_declines_with_a_reason_shown_in_words(db, client, me):
    ask = AskFactory(advocate=me)
    db.session.commit()
    page = client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    assert "Too busy" in page and "Not a fit" in page
    response = client.post(
        f"/me/asks/{ask.id}/decline", data={"reason": "timing", "note": "After March."}
    )
    assert response.status_code == 302
    db.session.refresh(ask)
    assert (ask.status, ask.decline_reason, ask.note) == ("declined", "timing", "After March.")


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("decline", {"reason": ""}, "reason", "This field is required."),
        ("decline", {"reason": "bored"}, "reason", "Must be one of"),
        ("decline", {"reason": "other", "note": "x" * 100_000}, "note", "at most 2000"),
        ("accept", {"note": "<script>alert(1)</script>"}, "note", "plain text"),
        ("accept", {"proposed_times": "<img src=x onerror=alert(1)>"}, "proposed_times", "plain"),
    ],
)
def test_bad_answers_are_refused_at_the_field_and_write_nothing(
    db, client, me, action, data, field, message
):
    ask = AskFactory(advocate=me)
    db.session.commit()
    response = client.post(f"/me/asks/{ask.id}/{action}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "is-invalid" in page
    assert "<script>alert(1)</script>" not in page
    db.session.refresh(ask)
    assert ask.status == "pending" and ask.note is None
    assert actions(db, "asks", ask.id) == []


def test_a_late_answer_is_refused_with_a_message_and_the_ask_shows_expired(db, client, me):
    ask = AskFactory(
        advocate=me,
        asked_at=now() - dt.timedelta(days=6),
        respond_by=now() - dt.timedelta(minutes=5),
    )
    db.session.commit()
    response = client.post(f"/me/asks/{ask.id}/accept", data={}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "this ask has expired" in page
    assert "The time to answer this ask ended" in page
    db.session.refresh(ask)
    assert ask.status == "expired"


def test_answering_twice_is_refused(db, client, me):
    ask = AskFactory(advocate=me)
    db.session.commit()
    client.post(f"/me/asks/{ask.id}/decline", data={"reason": "too_busy"})
    response = client.post(f"/me/asks/{ask.id}/accept", data={}, follow_redirects=True)
    assert "already declined" in response.get_data(as_text=True)
    db.session.refresh(ask)
    assert ask.status == "declined"


def test_someone_elses_ask_is_not_found_by_guessing_ids(db, client, me):
    other, _ = consenting()
    theirs = AskFactory(advocate=other, request=ReferenceRequestFactory(prospect_company="Secret"))
    db.session.commit()
    for response in (
        client.get(f"/me/asks/{theirs.id}"),
        client.post(f"/me/asks/{theirs.id}/accept", data={}),
        client.post(f"/me/asks/{theirs.id}/decline", data={"reason": "too_busy"}),
        client.get(f"/me/asks/{theirs.id + 1000}"),
    ):
        assert response.status_code == 404
        assert "Secret" not in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.status == "pending"


def test_staff_can_not_open_advocate_pages(db, client, auth):
    from tests.factories import UserFactory

    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)
    assert client.get("/me/preferences").status_code == 403
    assert client.get("/me/").status_code == 403


# Profile -----------------------------------------------------------------------------------


def test_advocate_edits_their_profile_and_the_change_is_audited(db, client, me):
    response = client.post(
        "/me/profile",
        data={
            "title": "VP Payments",
            "seniority": "executive",
            "timezone": "Europe/Berlin",
            "preferred_contact": "video",
            "bio": "Ran the migration to the new platform.",
        },
    )
    assert response.status_code == 302
    db.session.refresh(me)
    assert (me.title, me.seniority, me.timezone, me.preferred_contact) == (
        "VP Payments",
        "executive",
        "Europe/Berlin",
        "video",
    )
    assert me.user.timezone == "Europe/Berlin"
    assert "advocate.profile_updated" in actions(db, "advocates", me.id)


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"bio": "<script>alert(1)</script>"}, "plain text"),
        ({"bio": "x" * 100_000}, "at most 2000"),
        ({"title": "<a href=javascript:x>me</a>"}, "plain text"),
        ({"timezone": "Mars/Olympus"}, "time zone name"),
        ({"seniority": "emperor"}, "Must be one of"),
        ({"languages": ["klingon"]}, "Unknown value"),
    ],
)
def test_bad_profile_input_is_refused_at_the_field(db, client, me, data, field_message):
    before = me.title
    response = client.post("/me/profile", data={"timezone": "UTC", **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_message in page
    assert "<script>alert(1)</script>" not in page
    db.session.refresh(me)
    assert me.title == before and me.bio is None
    assert actions(db, "advocates", me.id) == []


# History -----------------------------------------------------------------------------------


def test_history_lists_everything_and_filters_by_year_and_type_in_the_url(db, client, me):
    this_year = now().year
    AskFactory(
        advocate=me,
        status="completed",
        asked_at=now() - dt.timedelta(days=1),
        completed_at=now(),
        request=ReferenceRequestFactory(activity_type="reference_call", prospect_company="Alpha"),
    )
    AskFactory(
        advocate=me,
        status="declined",
        decline_reason="too_busy",
        asked_at=now() - dt.timedelta(days=2),
        request=ReferenceRequestFactory(activity_type="case_study", prospect_company="Bravo"),
    )
    AskFactory(
        advocate=me,
        status="expired",
        asked_at=dt.datetime(this_year - 1, 6, 1, tzinfo=dt.UTC),
        respond_by=dt.datetime(this_year - 1, 6, 6, tzinfo=dt.UTC),
        request=ReferenceRequestFactory(activity_type="reference_call", prospect_company="Gamma"),
    )
    benefit = BenefitFactory(title="User group dinner")
    db.session.add(Claim(benefit=benefit, advocate=me, status="approved"))
    LedgerEntryFactory(advocate=me, delta=50, reason="activity", memo="Call with Alpha")
    db.session.commit()

    everything = client.get("/me/history").get_data(as_text=True)
    for text in ("Alpha", "Bravo", "Gamma", "User group dinner", "Call with Alpha", "Too busy"):
        assert text in everything
    this = client.get(f"/me/history?year={this_year}").get_data(as_text=True)
    assert "Alpha" in this and "Bravo" in this and "Gamma" not in this
    calls = client.get("/me/history?type=reference_call").get_data(as_text=True)
    assert "Alpha" in calls and "Gamma" in calls and "Bravo" not in calls
    both = client.get(f"/me/history?year={this_year - 1}&type=reference_call")
    page = both.get_data(as_text=True)
    assert "Gamma" in page and "Alpha" not in page and "User group dinner" not in page
    assert f'<option value="{this_year - 1}" selected>' in page
    # Unknown filter values are ignored, not an error.
    assert client.get("/me/history?year=abc&type=<script>").status_code == 200


def test_history_shows_only_the_advocates_own_records(db, client, me):
    other, _ = consenting()
    AskFactory(advocate=other, request=ReferenceRequestFactory(prospect_company="Not Mine"))
    LedgerEntryFactory(advocate=other, memo="Their points")
    db.session.commit()
    page = client.get("/me/history").get_data(as_text=True)
    assert "Not Mine" not in page and "Their points" not in page
    assert "When someone asks for your help" in page
