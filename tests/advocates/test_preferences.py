"""Preferences and availability: limits, cooldown, activity types, blackouts and pausing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates import preferences
from portal.advocates.models import Blackout
from portal.asks.overuse import refusals
from portal.audit.models import AuditEvent
from portal.errors import NotFound, ValidationFailed
from portal.program.service import set_setting
from tests.factories import advocate_with_login

TERMS = "2026-01"


def today():
    return dt.date.today()


def consenting(**kwargs):
    return advocate_with_login(
        consent_at=dt.datetime.now(dt.UTC), consent_version=TERMS, timezone="UTC", **kwargs
    )


@pytest.fixture
def me(db, auth):
    advocate, user = consenting()
    db.session.commit()
    auth.login(user.email)
    return advocate


def events(db, advocate_id, action) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.entity == "advocates",
                AuditEvent.entity_id == advocate_id,
                AuditEvent.action == action,
            )
            .order_by(AuditEvent.id)
        )
    )


def blackouts(db, advocate) -> list[Blackout]:
    return list(db.session.scalars(sa.select(Blackout).where(Blackout.advocate_id == advocate.id)))


# Service -----------------------------------------------------------------------------------


def test_preferences_are_written_and_audited(db):
    advocate, user = consenting()
    changed = preferences.update_preferences(
        user,
        advocate,
        {
            "activity_types": ["quote", "webinar"],
            "max_per_month": 1,
            "max_per_quarter": 2,
            "max_per_year": 6,
            "min_days_between": 30,
            "preferred_contact": "phone",
        },
    )
    assert advocate.max_per_month == 1 and advocate.activity_types == ["quote", "webinar"]
    assert changed["max_per_month"] == [None, 1]
    [event] = events(db, advocate.id, "advocate.preferences_updated")
    assert event.actor_id == user.id and event.data["min_days_between"] == [None, 30]
    # The overuse rule sees the new limits at once.
    assert any(r.rule == "activity_type" for r in refusals(advocate, "reference_call"))


def test_a_full_replace_with_empty_limits_falls_back_to_the_program_default(db):
    advocate, user = consenting(max_per_month=4)
    preferences.update_preferences(user, advocate, {"activity_types": ["quote"]})
    assert advocate.max_per_month is None and advocate.preferred_contact == "email"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"max_per_month": -1}, "max_per_month"),
        ({"max_per_quarter": 51}, "max_per_quarter"),
        ({"max_per_year": 2.5}, "max_per_year"),
        ({"max_per_month": "three"}, "max_per_month"),
        ({"min_days_between": 400}, "min_days_between"),
        ({"activity_types": ["reference_call", "skydiving"]}, "activity_types"),
        ({"preferred_contact": "pigeon"}, "preferred_contact"),
        ({"paused_until": today().isoformat()}, "paused_until"),
        ({"blackouts": [{"start": "2030-02-10", "end": "2030-02-01"}]}, "blackouts[0].end"),
        ({"blackouts": [{"start": "2020-01-01", "end": "2020-01-05"}]}, "blackouts[0].end"),
        (
            {"blackouts": [{"start": "2030-01-01", "end": "2030-01-02", "reason": "<b>x</b>"}]},
            "blackouts[0].reason",
        ),
        ({"blackouts": [{"start": "soon", "end": "2030-01-02"}]}, "blackouts[0].start"),
        ({"blackouts": "on leave"}, "blackouts"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field_and_nothing_is_written(db, data, field):
    advocate, user = consenting(max_per_month=3)
    with pytest.raises(ValidationFailed) as refused:
        preferences.update_preferences(user, advocate, {"activity_types": ["quote"], **data})
    assert field in refused.value.fields
    assert advocate.max_per_month == 3 and advocate.activity_types == [
        "reference_call",
        "case_study",
    ]
    assert events(db, advocate.id, "advocate.preferences_updated") == []


def test_limits_typed_in_a_form_are_whole_numbers_0_to_50(db):
    advocate, user = consenting()
    preferences.update_preferences(
        user, advocate, {"max_per_month": "0", "max_per_year": " 50 "}, partial=True
    )
    assert (advocate.max_per_month, advocate.max_per_year) == (0, 50)
    with pytest.raises(ValidationFailed, match="at least 0"):
        preferences.update_preferences(user, advocate, {"max_per_month": "-2"}, partial=True)


def test_someone_else_can_not_change_an_advocates_preferences(db):
    advocate, _ = consenting()
    _, other = consenting()
    with pytest.raises(NotFound):
        preferences.update_preferences(other, advocate, {"max_per_month": 1}, partial=True)
    assert advocate.max_per_month is None


def test_blackouts_added_and_removed_with_audit(db):
    advocate, user = consenting()
    start = today() + dt.timedelta(days=10)
    blackout = preferences.add_blackout(
        user,
        advocate,
        {
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=4)).isoformat(),
            "reason": "On leave",
        },
    )
    assert blackout.id and blackout.reason == "On leave"
    assert events(db, advocate.id, "advocate.blackout_added")
    preferences.remove_blackout(user, advocate, blackout.id)
    db.session.flush()
    assert blackouts(db, advocate) == []
    assert events(db, advocate.id, "advocate.blackout_removed")


def test_a_blackout_covering_today_blocks_asks(db):
    advocate, user = consenting()
    preferences.add_blackout(
        user,
        advocate,
        {"start": today().isoformat(), "end": today().isoformat(), "reason": "Quarter-end"},
    )
    assert "blackout" in [r.rule for r in refusals(advocate, "reference_call")]


def test_pause_needs_a_future_date_and_resume_lifts_it(db):
    advocate, user = consenting()
    with pytest.raises(ValidationFailed, match="after today"):
        preferences.pause(user, advocate, today().isoformat())
    with pytest.raises(ValidationFailed, match="date like"):
        preferences.pause(user, advocate, "next week")
    until = today() + dt.timedelta(days=30)
    preferences.pause(user, advocate, until.isoformat())
    assert advocate.paused_until == until
    assert "paused" in [r.rule for r in refusals(advocate, "reference_call")]
    assert preferences.unpause(user, advocate) is True
    assert advocate.paused_until is None
    assert events(db, advocate.id, "advocate.paused") and events(
        db, advocate.id, "advocate.resumed"
    )


# Pages -------------------------------------------------------------------------------------


def test_preferences_page_shows_the_program_defaults_in_words(db, client, me):
    set_setting(None, "default_max_per_month", 3)
    db.session.commit()
    page = client.get("/me/preferences").get_data(as_text=True)
    assert (
        "Empty: the program&#39;s 3 a month." in page or "Empty: the program's 3 a month." in page
    )
    assert "Reference call" in page and "Analyst briefing" in page
    assert "reference_call\n" not in page.split("<form")[0]


def test_setting_a_monthly_limit_of_one_on_the_page(db, client, me):
    response = client.post(
        "/me/preferences",
        data={
            "activity_types": ["reference_call", "quote"],
            "max_per_month": "1",
            "max_per_quarter": "",
            "max_per_year": "",
            "min_days_between": "",
            "preferred_contact": "email",
        },
    )
    assert response.status_code == 302
    db.session.refresh(me)
    assert me.max_per_month == 1 and me.max_per_quarter is None
    assert me.activity_types == ["reference_call", "quote"]
    assert events(db, me.id, "advocate.preferences_updated")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_per_month", "-1", "Must be at least 0."),
        ("max_per_quarter", "99", "Must be at most 50."),
        ("max_per_year", "1.5", "Must be a whole number."),
    ],
)
def test_bad_limits_on_the_page_are_shown_at_the_field_and_kept(
    db, client, me, field, value, message
):
    response = client.post(
        "/me/preferences",
        data={"activity_types": ["quote"], field: value, "preferred_contact": "email"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{value}"' in page and "Please correct" in page
    db.session.refresh(me)
    assert getattr(me, field) is None and me.activity_types == ["reference_call", "case_study"]


def test_unknown_activity_type_on_the_page_is_refused(db, client, me):
    response = client.post(
        "/me/preferences", data={"activity_types": ["bungee"], "preferred_contact": "email"}
    )
    assert response.status_code == 422
    assert "Unknown value: bungee" in response.get_data(as_text=True)


def test_blackouts_on_the_page(db, client, me):
    start = today() + dt.timedelta(days=3)
    end = start + dt.timedelta(days=7)
    response = client.post(
        "/me/blackouts",
        data={"start": start.isoformat(), "end": end.isoformat(), "reason": "On leave"},
    )
    assert response.status_code == 302
    page = client.get("/me/preferences").get_data(as_text=True)
    assert "On leave" in page
    [blackout] = blackouts(db, me)

    bad = client.post(
        "/me/blackouts", data={"start": end.isoformat(), "end": start.isoformat(), "reason": ""}
    )
    assert bad.status_code == 422
    assert "The end must be on or after the start." in bad.get_data(as_text=True)
    past = client.post("/me/blackouts", data={"start": "2020-01-01", "end": "2020-01-02"})
    assert "must not end in the past" in past.get_data(as_text=True)
    assert len(blackouts(db, me)) == 1

    assert client.post(f"/me/blackouts/{blackout.id}/remove").status_code == 302
    assert blackouts(db, me) == []


def test_someone_elses_blackout_can_not_be_removed(db, client, me):
    other, user = consenting()
    theirs = preferences.add_blackout(
        user, other, {"start": today().isoformat(), "end": today().isoformat()}
    )
    db.session.commit()
    assert client.post(f"/me/blackouts/{theirs.id}/remove").status_code == 404
    assert len(blackouts(db, other)) == 1


def test_pause_and_resume_on_the_page(db, client, me):
    until = today() + dt.timedelta(days=14)
    assert client.post("/me/pause", data={"until": until.isoformat()}).status_code == 302
    db.session.refresh(me)
    assert me.paused_until == until
    assert "Resume now" in client.get("/me/preferences").get_data(as_text=True)
    assert "You are paused until" in client.get("/me/").get_data(as_text=True)
    bad = client.post("/me/pause", data={"until": "2020-01-01"})
    assert bad.status_code == 422 and "Pick a date after today." in bad.get_data(as_text=True)
    assert client.post("/me/resume").status_code == 302
    db.session.refresh(me)
    assert me.paused_until is None
