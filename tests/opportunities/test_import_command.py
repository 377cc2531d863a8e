"""`flask --app portal import-opportunities`: each refused row as `line N: column: why`, warnings,
the summary; exit code 0 when the file was read, non-zero when it is refused."""

from pathlib import Path

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.opportunities.models import Opportunity
from tests.factories import UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
SALESFORCE = str(FIXTURES / "salesforce_opportunities.csv")


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_cli_dry_run_prints_refused_rows_and_warnings_and_writes_nothing(db, runner):
    result = runner.invoke(args=["import-opportunities", SALESFORCE, "--dry-run"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Preset: Salesforce (detected from the header)." in output
    assert "line 7: Close Date: Use a date like 3/31/2027 (it says 31/03/2027)." in output
    assert "line 8: Amount: Must not be negative." in output
    assert (
        "line 9: Opportunity ID: The same opportunity is on line 2; this row is skipped." in output
    )
    assert "line 6 (warning): Stage: “Security Review” is not one of Salesforce's" in output
    assert "Ignored columns: Next Step, Fiscal Period." in output
    assert "Dry run: nothing was written." in output
    assert "7 rows: 4 created, 0 updated, 0 unchanged, 3 refused (would be written: 4)." in output
    assert count(db, Opportunity) == 0


def test_cli_imports_then_a_second_run_changes_nothing(db, runner):
    result = runner.invoke(args=["import-opportunities", SALESFORCE, "--preset", "salesforce"])
    assert result.exit_code == 0, result.output
    assert "Preset: Salesforce (chosen)." in result.output
    assert "4 created, 0 updated, 0 unchanged, 3 refused" in result.output
    db.session.expire_all()
    assert count(db, Opportunity) == 4
    # The command line acts as no user, as import-accounts does.
    created = db.session.scalars(
        sa.select(AuditEvent.actor_id).where(AuditEvent.action == "opportunity.created")
    ).all()
    assert created == [None] * 4
    audits = count(db, AuditEvent)

    again = runner.invoke(args=["import-opportunities", SALESFORCE])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 4 unchanged, 3 refused" in again.output
    db.session.expire_all()
    assert count(db, AuditEvent) == audits


def test_cli_as_a_manager_is_audited_as_them(db, runner):
    manager = UserFactory(role="manager", email="lead@example.com")
    db.session.commit()
    result = runner.invoke(args=["import-opportunities", SALESFORCE, "--as", "lead@example.com"])
    assert result.exit_code == 0, result.output
    actors = set(
        db.session.scalars(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "opportunity.created")
        )
    )
    assert actors == {manager.id}


def test_cli_refuses_a_requester_or_an_unknown_user(db, runner):
    UserFactory(role="requester", email="seller@example.com")
    db.session.commit()
    result = runner.invoke(args=["import-opportunities", SALESFORCE, "--as", "seller@example.com"])
    assert result.exit_code == 1
    assert "Error: Only the reference team imports opportunities." in result.output
    result = runner.invoke(args=["import-opportunities", SALESFORCE, "--as", "nobody@example.com"])
    assert result.exit_code == 1
    assert "Error: --as: no user with the e-mail nobody@example.com." in result.output
    assert count(db, Opportunity) == 0


def test_cli_exits_non_zero_when_the_file_is_refused(db, runner, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text('"Opportunity ID","Amount"\n"X-1","5"\n')
    result = runner.invoke(args=["import-opportunities", str(path), "--preset", "salesforce"])
    assert result.exit_code == 1
    assert (
        "Error: The header lacks the column Opportunity Name (Salesforce preset)." in result.output
    )
    assert "Traceback" not in result.output
    path.write_bytes(b"\xff\xfe not utf-8")
    result = runner.invoke(args=["import-opportunities", str(path)])
    assert result.exit_code == 1
    assert "Error: The file is not UTF-8" in result.output
    result = runner.invoke(args=["import-opportunities", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0
    assert count(db, Opportunity) == 0
