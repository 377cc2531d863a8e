"""The executive summary e-mail: delivered over real SMTP with the figures and their trends,
once per executive and period, weekly or monthly or not at all, by the worker's job too."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from portal.operations.jobs import JOBS
from portal.program.service import set_setting
from portal.recognition import summary
from tests.factories import AdvocateFactory, AskFactory, LedgerEntryFactory, UserFactory

NOW = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)  # a Sunday: the last month is November


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def program():
    """Three activities completed in November, one in October; points to match."""
    eve = UserFactory(name="Eve Exec", email="eve@corp.example", role="executive")
    UserFactory(name="Old Exec", role="executive", active=False)
    UserFactory(name="Mia Manager", role="manager")
    advocate = AdvocateFactory()
    for when in ("2026-11-03T10:00", "2026-11-17T10:00", "2026-11-30T23:30", "2026-10-20T10:00"):
        AskFactory(advocate=advocate, status="completed", completed_at=at(when))
        LedgerEntryFactory(advocate=advocate, delta=50, reason="activity", created_at=at(when))
    _db.session.commit()
    return eve


def test_an_executive_receives_the_monthly_summary_over_smtp(mail_app, smtp):
    eve = program()
    assert summary.send_executive_summaries(NOW) == 1
    _db.session.commit()

    assert send_due().sent == 1
    [mail] = smtp.handler.parsed()
    assert mail["To"] == "eve@corp.example"
    assert mail["Subject"] == "Program summary for November 2026"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hello Eve Exec" in plain and "Hello Eve Exec" in html
    assert "- Activities completed: 3 (+2; was 1)" in plain
    assert "- Points earned by advocates: 150 (+100; was 50)" in plain
    assert "- Active advocates: 1 (as of today)" in plain
    assert "- Win rate with a reference: – (no comparison; was –)" in plain
    link = "http://portal.test/reports/?start=2026-11-01&end=2026-11-30"
    assert link in plain
    assert link.replace("&", "&amp;") in html
    assert "<strong>3</strong>" in html and "+2" in html
    assert "monthly summary" in plain

    # never twice for the same month, however often the job runs
    assert summary.send_executive_summaries(NOW + dt.timedelta(hours=5)) == 0
    keys = _db.session.scalars(sa.select(OutboxMessage.dedupe_key)).all()
    assert keys == [f"executive-summary:{eve.id}:2026-11"]


def test_weekly_summaries_cover_the_last_monday_to_sunday(mail_app, smtp):
    eve = program()
    set_setting(None, "executive_summary_frequency", "weekly")
    _db.session.commit()
    period, before = summary.last_period("weekly", NOW.date())
    assert (period.start, period.end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert (before.start, before.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))

    assert summary.send_executive_summaries(NOW) == 1
    _db.session.commit()
    message = _db.session.scalars(sa.select(OutboxMessage)).one()
    assert message.dedupe_key == f"executive-summary:{eve.id}:2026-W48"
    assert "- Activities completed: 0 (−1; was 1)" in message.body_text  # 17 Nov is W47
    assert summary.send_executive_summaries(NOW) == 0


def test_no_summary_while_the_setting_is_off(db):
    program()
    set_setting(None, "executive_summary_frequency", "off")
    assert summary.send_executive_summaries(NOW) == 0
    assert _db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_worker_job_and_the_command_write_the_summaries(app, runner):
    with app.app_context():
        program()
        assert "send-executive-summaries" in JOBS
        result = JOBS["send-executive-summaries"].run(NOW)
        assert result == "Wrote 1 executive summary."
        _db.session.commit()
    result = runner.invoke(args=["send-executive-summaries"])
    assert result.exit_code == 0, result.output
    # The command uses today's date: a different month from NOW's, or already written.
    assert "executive summar" in result.output


def test_the_summary_is_computed_in_a_fixed_number_of_queries(db):
    from tests.queries import QueryCounter

    program()

    def count():
        _db.session.execute(sa.delete(OutboxMessage))
        _db.session.commit()
        with QueryCounter(_db.engine) as counter:
            summary.send_executive_summaries(NOW)
        _db.session.rollback()
        return len(counter.reads)

    first = count()
    for _ in range(4):
        UserFactory(role="executive")
    _db.session.commit()
    assert count() == first
