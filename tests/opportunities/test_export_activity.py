"""`export-activity`: reference activity on CRM deals as a CSV a CRM's activity import takes,
one row per accepted or completed ask, by date then ask id, spreadsheet-safe; also a download
for the program team."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.opportunities import service as opportunities
from portal.opportunities.activity import activity_rows
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)
from tests.helpers import sign_in

HEADER = (
    "Opportunity ID,Subject,Activity Date,Status,Advocate,Advocate Email,Advocate Account,"
    "Activity Type,Request ID,Portal Ask ID\r\n"
)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


@pytest.fixture
def world(db):
    """Two deals (one linked, one only named by its CRM id on the request), asks in every
    state, and a request with no deal at all."""
    manager = UserFactory(role="manager")
    deal, _ = opportunities.upsert(manager, "006A", {"name": "Nordbank", "outcome": "open"})
    acme = AccountFactory(name="Acme")
    jane = AdvocateFactory(name="Jane Doe", email="jane@acme.example", account=acme)
    max_ = AdvocateFactory(name="Max Muster", email="max@acme.example", account=acme)
    evil = AdvocateFactory(
        name="=HYPERLINK(1)", email="evil@x.example", account=AccountFactory(name="@Corp")
    )
    call = ReferenceRequestFactory(opportunity=deal, opportunity_crm_id="006A")
    study = ReferenceRequestFactory(activity_type="case_study", opportunity_crm_id="006B")
    no_deal = ReferenceRequestFactory(opportunity_crm_id=None)
    asks = {
        "completed": AskFactory(
            request=call,
            advocate=jane,
            status="completed",
            responded_at=at("2026-11-01"),
            scheduled_at=at("2026-11-09"),
            completed_at=at("2026-11-10"),
        ),
        "scheduled": AskFactory(
            request=study,
            advocate=jane,
            status="accepted",
            responded_at=at("2026-11-02"),
            scheduled_at=at("2026-11-20", 23),
        ),
        "accepted_late": AskFactory(
            request=call, advocate=evil, status="accepted", responded_at=at("2026-11-05", 18)
        ),
        "accepted_early": AskFactory(
            request=study, advocate=max_, status="accepted", responded_at=at("2026-11-05", 8)
        ),
    }
    for status in ("pending", "declined", "withdrawn", "expired"):
        AskFactory(request=call, status=status, responded_at=at("2026-11-06"))
    AskFactory(request=no_deal, advocate=jane, status="completed", completed_at=at("2026-11-07"))
    db.session.commit()
    return {"manager": manager, "call": call, "study": study, "asks": asks}


def written(runner, *options) -> str:
    """What the command wrote to standard output, byte for byte (CRLF line ends)."""
    result = runner.invoke(args=["export-activity", *options])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode()


def expected_lines(world, *names) -> str:
    asks, call, study = world["asks"], world["call"], world["study"]
    lines = {
        "completed": f"006A,Reference call: Jane Doe (Acme),2026-11-10,Completed,Jane Doe,"
        f"jane@acme.example,Acme,Reference call,{call.id},{asks['completed'].id}",
        "accepted_late": f"006A,Reference call: =HYPERLINK(1) (@Corp),2026-11-05,Planned,"
        f"'=HYPERLINK(1),evil@x.example,'@Corp,Reference call,{call.id},"
        f"{asks['accepted_late'].id}",
        "accepted_early": f"006B,Case study: Max Muster (Acme),2026-11-05,Planned,Max Muster,"
        f"max@acme.example,Acme,Case study,{study.id},{asks['accepted_early'].id}",
        "scheduled": f"006B,Case study: Jane Doe (Acme),2026-11-20,Planned,Jane Doe,"
        f"jane@acme.example,Acme,Case study,{study.id},{asks['scheduled'].id}",
    }
    return HEADER + "".join(lines[name] + "\r\n" for name in names)


def test_the_file_has_one_row_per_accepted_or_completed_ask_on_a_deal_in_order(world, runner):
    # By date, then ask id: both asks of 2026-11-05 in the order they were placed.
    assert written(runner) == expected_lines(
        world, "accepted_late", "accepted_early", "completed", "scheduled"
    )


def test_since_and_until_keep_the_days_between_both_included(world, runner):
    assert written(runner, "--since", "2026-11-05", "--until", "2026-11-10") == expected_lines(
        world, "accepted_late", "accepted_early", "completed"
    )
    assert written(runner, "--since", "2026-11-11") == expected_lines(world, "scheduled")
    assert written(runner, "--until", "2026-11-04") == HEADER


def test_the_last_day_there_is_is_an_open_end_not_an_error(world, runner, client, auth, db):
    # The day after 9999-12-31 does not exist: the period simply has no end.
    everything = expected_lines(world, "accepted_late", "accepted_early", "completed", "scheduled")
    assert written(runner, "--until", "9999-12-31") == everything
    sign_in(db, auth, "manager")
    response = client.get("/program/opportunities/activity.csv?until=9999-12-31")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == everything


def test_a_formula_in_a_name_is_written_as_text(world, runner):
    rows = activity_rows(world["manager"])
    evil = next(row for row in rows if row[9] == world["asks"]["accepted_late"].id)
    assert evil[4] == "=HYPERLINK(1)"  # the service keeps the value; the file guards it
    text = written(runner)
    assert ",=HYPERLINK" not in text and ",@Corp" not in text
    assert ",'=HYPERLINK(1)," in text and ",'@Corp," in text


def test_the_command_writes_the_output_file_and_audits_it(world, runner, db, tmp_path):
    path = tmp_path / "activity.csv"
    result = runner.invoke(args=["export-activity", "--since", "2026-11-06", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().decode() == expected_lines(world, "completed", "scheduled")
    assert "2 activities written." in result.stderr
    audit = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "export.downloaded")
        .order_by(AuditEvent.id)
    )
    assert audit.data == {
        "kind": "activity",
        "filters": {"since": "2026-11-06"},
        "rows": 2,
        "via": "cli",
    }


def test_a_bad_date_is_refused_and_nothing_written(world, runner, tmp_path):
    path = tmp_path / "activity.csv"
    result = runner.invoke(args=["export-activity", "--since", "2026-13-01", "--output", str(path)])
    assert result.exit_code != 0 and "--since" in result.output
    assert not path.exists()
    result = runner.invoke(
        args=["export-activity", "--since", "2026-11-10", "--until", "2026-11-01"]
    )
    assert result.exit_code == 1 and "until: Must not be before since." in result.stderr


def test_only_the_program_team_gets_the_rows(world, db):
    for role in ("requester", "csm", "advocate"):
        with pytest.raises(Forbidden):
            activity_rows(UserFactory(role=role))
    with pytest.raises(ValidationFailed) as refused:
        activity_rows(world["manager"], since="last week")
    assert "since" in refused.value.fields


def test_the_team_downloads_the_file_and_others_are_refused(world, client, auth, db):
    sign_in(db, auth, "requester")
    assert client.get("/program/opportunities/activity.csv").status_code == 403
    auth.logout()
    sign_in(db, auth, "manager")
    response = client.get("/program/opportunities/activity.csv?since=2026-11-06")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "reference-activity-2026-11-06.csv" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == expected_lines(world, "completed", "scheduled")
    assert client.get("/program/opportunities/activity.csv?until=soon").status_code == 422
