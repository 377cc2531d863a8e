"""`flask --app portal worker --once` (the cron way): one round of delivery and due jobs."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from portal.asks.models import Ask
from portal.database import now_utc
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.operations.jobs import JOBS
from portal.operations.models import JobRun, JobSchedule, Worker
from tests.factories import AskFactory
from tests.operations.conftest import queue_messages


def runs_by_job() -> dict[str, list[JobRun]]:
    runs: dict[str, list[JobRun]] = {}
    for run in _db.session.scalars(sa.select(JobRun).order_by(JobRun.id)):
        runs.setdefault(run.job, []).append(run)
    return runs


def test_once_runs_every_due_job_records_it_and_delivers_the_outbox(app):
    with app.app_context():
        overdue = AskFactory(respond_by=now_utc() - dt.timedelta(minutes=1)).id
        ids = queue_messages(3, prefix="Queued for the worker")
        _db.session.remove()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    for i in range(3):
        assert f"Subject: Queued for the worker {i:03d}" in result.output  # console delivery
    assert "expire-asks: Expired 1 ask and 0 requests." in result.output
    assert f"Sent 3, will retry 0, failed 0. Ran {len(JOBS)} jobs, 0 failed." in result.output
    with app.app_context():
        assert _db.session.get(Ask, overdue).status == "expired"
        statuses = _db.session.scalars(
            sa.select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
        ).all()
        assert statuses == ["sent"] * 3
        runs = runs_by_job()
        assert set(runs) == set(JOBS)
        assert all(len(job_runs) == 1 for job_runs in runs.values())
        assert {run.status for job_runs in runs.values() for run in job_runs} == {"succeeded"}
        assert runs["expire-asks"][0].summary == "Expired 1 ask and 0 requests."
        assert all(run.finished_at >= run.started_at for [run] in runs.values())
        [worker] = _db.session.scalars(sa.select(Worker)).all()
        assert worker.stopped_at is not None
        assert {run.worker_id for [run] in runs.values()} == {worker.id}
        schedules = _db.session.scalars(sa.select(JobSchedule)).all()
        assert {s.job for s in schedules} == set(JOBS)
        assert all(s.next_run_at > now_utc() and s.last_claimed_by == worker.id for s in schedules)
        _db.session.remove()

    again = app.test_cli_runner().invoke(args=["worker", "--once"])  # nothing is due now
    assert again.exit_code == 0, again.output
    assert "Ran 0 jobs, 0 failed." in again.output
    with app.app_context():
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == len(JOBS)
        _db.session.remove()


def test_a_failing_job_is_recorded_failed_rolled_back_and_the_others_still_run(app, monkeypatch):
    def broken(now):
        _db.session.add(
            OutboxMessage(
                kind="email", template="t", recipient="x@customer.example", subject="Half-done",
                body_text="written before the failure",
            )
        )  # fmt: skip
        _db.session.flush()
        raise RuntimeError("no reminders today")

    monkeypatch.setitem(
        JOBS, "send-reminders", dataclasses.replace(JOBS["send-reminders"], run=broken)
    )
    with app.app_context():
        overdue = AskFactory(respond_by=now_utc() - dt.timedelta(minutes=1)).id
        _db.session.commit()
        _db.session.remove()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1, result.output  # cron reports it
    assert "send-reminders: failed: RuntimeError: no reminders today" in result.output
    assert f"Ran {len(JOBS)} jobs, 1 failed." in result.output
    with app.app_context():
        runs = runs_by_job()
        [failed] = runs.pop("send-reminders")
        assert failed.status == "failed"
        assert failed.finished_at is not None
        assert "RuntimeError: no reminders today" in failed.error
        assert "Traceback" in failed.error
        assert {run.status for [run] in runs.values()} == {"succeeded"}
        assert set(runs) == set(JOBS) - {"send-reminders"}
        # Its writes were rolled back; the jobs after it did their work.
        assert _db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.subject == "Half-done")
        ) is None  # fmt: skip
        assert _db.session.get(Ask, overdue).status == "expired"
        _db.session.remove()
