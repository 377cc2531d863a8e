"""Lead time per activity type: working days, the rush path in the service, the settings."""

import datetime as dt

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.asks import lead_time
from portal.asks import requests as service
from portal.asks.models import ReferenceRequest
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.program.models import ProgramSetting
from tests.factories import UserFactory

MON = dt.date(2027, 3, 1)  # a Monday
FRI = dt.date(2027, 3, 5)
NOON = "2027-03-01T12:00:00+00:00"  # Monday noon UTC


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (MON, MON, 0),  # due today: no notice
        (MON, MON - dt.timedelta(days=3), 0),  # in the past: none either
        (MON, MON + dt.timedelta(days=1), 1),
        (FRI, FRI + dt.timedelta(days=1), 0),  # Friday to Saturday
        (FRI, FRI + dt.timedelta(days=2), 0),  # to Sunday
        (FRI, FRI + dt.timedelta(days=3), 1),  # to Monday
        (FRI + dt.timedelta(days=1), FRI + dt.timedelta(days=3), 1),  # Saturday to Monday
        (MON, MON + dt.timedelta(days=7), 5),  # a week
        (MON, MON + dt.timedelta(days=13), 9),  # to the Sunday after next (today not counted)
        (FRI, FRI + dt.timedelta(days=42), 30),  # six weeks
        (dt.date(2026, 12, 4), dt.date(2027, 1, 15), 30),  # across the new year
    ],
)
def test_working_days_count_monday_to_friday_after_today(start, end, days):
    assert lead_time.working_days_between(start, end) == days


@pytest.mark.parametrize("offset", range(7))  # every weekday as the start
def test_the_earliest_date_is_the_first_day_that_gives_the_notice(offset):
    start = MON + dt.timedelta(days=offset)
    for days in range(0, 45):
        earliest = lead_time.add_working_days(start, days)
        assert lead_time.working_days_between(start, earliest) == days
        assert earliest.weekday() < 5 or days == 0
        if days:  # the day before gives less
            assert lead_time.working_days_between(start, earliest - dt.timedelta(days=1)) < days


def test_today_is_the_requesters_own_date():
    at = dt.datetime(2027, 3, 4, 20, 0, tzinfo=dt.UTC)  # Thursday 20:00 UTC
    assert lead_time.requester_today(UserFactory.build(timezone="UTC"), at) == dt.date(2027, 3, 4)
    auckland = UserFactory.build(timezone="Pacific/Auckland")
    assert lead_time.requester_today(auckland, at) == dt.date(2027, 3, 5)  # Friday there
    unknown = UserFactory.build(timezone="Mars/Olympus")
    assert lead_time.requester_today(unknown, at) == dt.date(2027, 3, 4)


# The service -------------------------------------------------------------------------------


@pytest.fixture
def requester(db):
    return UserFactory(role="requester", team="sales", timezone="UTC")


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def data(**overrides):
    values = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "needed_by": FRI.isoformat(),  # 4 working days after Monday: inside 5
        "advocates_needed": 1,
    }
    values.update(overrides)
    return values


def requests(db):
    return db.session.scalars(sa.select(ReferenceRequest)).all()


@freeze_time(NOON)
def test_a_request_inside_the_lead_time_is_refused_with_the_earliest_date(db, requester):
    with pytest.raises(ValidationFailed) as refused:
        service.create_request(requester, data())
    assert refused.value.fields == {
        "needed_by": "A reference call needs 5 working days' notice: the earliest date is "
        "8 March 2027; or mark it as a rush and say why."
    }
    assert requests(db) == []


@freeze_time(NOON)
def test_a_rush_needs_a_reason(db, requester):
    for reason in (None, "", "   "):
        with pytest.raises(ValidationFailed) as refused:
            service.create_request(requester, data(rush=True, rush_reason=reason))
        assert list(refused.value.fields) == ["rush_reason"]
    assert requests(db) == []


@freeze_time(NOON)
def test_a_rush_with_a_reason_is_filed_and_audited(db, requester):
    request = service.create_request(
        requester, data(rush=True, rush_reason="The board meets on Friday.")
    )
    assert (request.rush, request.rush_reason, request.notice_days) == (
        True,
        "The board meets on Friday.",
        4,
    )
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "request.submitted")
        .order_by(AuditEvent.id)
    ).one()
    assert event.data["rush"] is True and event.data["notice_days"] == 4


@freeze_time(NOON)
def test_enough_notice_is_never_a_rush(db, requester):
    request = service.create_request(
        requester, data(needed_by="2027-03-08", rush=True, rush_reason="Just in case")
    )
    assert (request.rush, request.rush_reason, request.notice_days) == (False, None, 5)


@freeze_time(NOON)
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rush": "yes", "rush_reason": "Board"}, "rush"),
        ({"rush": True, "rush_reason": "x" * 501}, "rush_reason"),
        ({"rush": True, "rush_reason": "<script>alert(1)</script>"}, "rush_reason"),
        ({"rush": True, "rush_reason": 42}, "rush_reason"),
    ],
)
def test_bad_rush_fields_are_refused_naming_the_field(db, requester, change, field):
    with pytest.raises(ValidationFailed) as refused:
        service.create_request(requester, data(**change))
    assert field in refused.value.fields
    assert requests(db) == []


@freeze_time(NOON)
def test_bad_rush_fields_are_named_with_the_other_bad_fields(db, requester):
    with pytest.raises(ValidationFailed) as refused:
        service.create_request(requester, data(rush="yes", advocates_needed=0))
    assert set(refused.value.fields) == {"rush", "advocates_needed"}


@freeze_time("2027-03-04T20:00:00+00:00")  # Thursday evening in UTC, Friday in Auckland
def test_notice_is_counted_from_the_requesters_today(db):
    here = UserFactory(role="requester", timezone="UTC")
    there = UserFactory(role="requester", timezone="Pacific/Auckland")
    assert service.create_request(here, data(needed_by="2027-03-12")).notice_days == 6
    assert service.create_request(there, data(needed_by="2027-03-12")).notice_days == 5


@freeze_time(NOON)
def test_a_draft_is_checked_when_it_is_submitted(db, requester):
    draft = service.save_draft(requester, data())
    assert draft.status == "draft" and draft.notice_days is None
    with pytest.raises(ValidationFailed) as refused:
        service.submit_request(requester, draft)
    assert "needed_by" in refused.value.fields
    service.update_request(requester, draft, {"rush": True, "rush_reason": "Deal review Friday."})
    service.submit_request(requester, draft)
    assert (draft.status, draft.rush, draft.notice_days) == ("submitted", True, 4)


@freeze_time(NOON)
def test_moving_a_filed_request_inside_the_lead_time_needs_a_rush(db, requester):
    request = service.create_request(requester, data(needed_by="2027-04-05"))
    assert request.notice_days == 25
    with pytest.raises(ValidationFailed) as refused:
        service.update_request(requester, request, {"needed_by": "2027-03-03"})
    assert "needed_by" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        service.update_request(requester, request, {"activity_type": "case_study"})
    assert "needed_by" in refused.value.fields and "case study needs 30" in str(
        refused.value.fields
    )
    changed = service.update_request(
        requester, request, {"needed_by": "2027-03-03", "rush": True, "rush_reason": "Moved up."}
    )
    assert (request.needed_by, request.rush, request.notice_days) == (dt.date(2027, 3, 3), True, 2)
    assert set(changed) >= {"needed_by", "rush", "rush_reason", "notice_days"}
    # Moved back out of the lead time: no longer a rush.
    service.update_request(requester, request, {"needed_by": "2027-04-05"})
    assert (request.rush, request.rush_reason, request.notice_days) == (False, None, 25)


@freeze_time(NOON)
def test_unrelated_changes_do_not_recount_the_notice(db, requester):
    request = service.create_request(requester, data(rush=True, rush_reason="Board on Friday."))
    with freeze_time("2027-03-04T12:00:00+00:00"):  # later in the week: 1 day left
        service.update_request(requester, request, {"prospect_company": "Nordbank AG"})
    assert (request.notice_days, request.rush) == (4, True)


# The setting ---------------------------------------------------------------------------------


def test_lead_times_default_to_the_program_defaults(db):
    times = lead_time.lead_times()
    assert times["reference_call"] == 5 and times["case_study"] == 30
    assert times["speaking"] == 30 and times["webinar"] == 20
    assert set(times) == set(lead_time.ACTIVITY_TYPES)


@freeze_time(NOON)
def test_a_changed_lead_time_applies_at_once_and_is_audited(db, requester, admin):
    changed = lead_time.update_lead_times(admin, {**lead_time.lead_times(), "reference_call": 2})
    assert changed == {"reference_call": [5, 2]}
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    ).one()
    assert event.actor_id == admin.id and event.data["from"]["reference_call"] == 5
    assert event.data["to"]["reference_call"] == 2
    request = service.create_request(requester, data())  # 4 days' notice: enough now
    assert (request.rush, request.notice_days) == (False, 4)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"case_study": 121}, "case_study"),
        ({"case_study": -1}, "case_study"),
        ({"case_study": "ten"}, "case_study"),
        ({"case_study": None}, "case_study"),
        ({"skydiving": 3}, "skydiving"),
    ],
)
def test_bad_lead_times_are_refused_and_nothing_is_written(db, admin, change, field):
    with pytest.raises(ValidationFailed) as refused:
        lead_time.update_lead_times(admin, {**lead_time.lead_times(), **change})
    assert field in refused.value.fields
    assert db.session.get(ProgramSetting, lead_time.SETTING) is None


def test_only_administrators_change_lead_times(db):
    manager = UserFactory(role="manager")
    with pytest.raises(Forbidden):
        lead_time.update_lead_times(manager, lead_time.lead_times())
    assert db.session.get(ProgramSetting, lead_time.SETTING) is None


def test_the_demo_program_keeps_the_lead_time_rule(db, runner):
    result = runner.invoke(args=["seed-demo", "--advocates", "60"])
    assert result.exit_code == 0, result.output
    times = lead_time.lead_times()
    filed = db.session.scalars(
        sa.select(ReferenceRequest).where(ReferenceRequest.status != "draft")
    ).all()
    assert filed
    for request in filed:
        notice = lead_time.working_days_between(request.created_at.date(), request.needed_by)
        assert request.notice_days == notice
        assert request.rush == (notice < times[request.activity_type])
        assert bool(request.rush_reason) == request.rush
    rushes = sum(r.rush for r in filed)
    assert 0 < rushes < len(filed) / 2  # some rushes, most with notice
