"""Workers, job claims and job runs: what the worker writes and the admin page reads.

Claiming a run: every job has a row in `job_schedules` with its `next_run_at`. A worker that
finds a job due moves `next_run_at` on with one conditional UPDATE (`WHERE job = :job AND
next_run_at <= :now AND next_run_at = <the value it read>`). PostgreSQL re-checks the WHERE of
a waiting UPDATE against the row the first worker committed, and SQLite runs one writer at a
time, so only one worker's UPDATE changes the row (rowcount 1): that worker runs the job, every
other one skips it. The claim is committed before the job runs.

Like every service here these functions never commit; the worker (portal/operations/worker.py)
commits after each step.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import traceback

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.database import aware_utc, now_utc
from portal.extensions import db
from portal.operations.jobs import JOBS, Job, interval
from portal.operations.models import JobRun, JobSchedule, Worker

ERROR_MAX = 4000  # the end of a traceback: where it failed and why
SUMMARY_MAX = 4000
STOPPED = "worker stopped"


# --- Workers ---------------------------------------------------------------------------------


def register_worker(worker_id: str, now: dt.datetime | None = None) -> Worker:
    """Record a worker starting in this process."""
    now = now or now_utc()
    worker = Worker(
        id=worker_id,
        hostname=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        seen_at=now,
    )
    db.session.add(worker)
    db.session.flush()
    return worker


def touch_worker(worker_id: str, now: dt.datetime | None = None) -> bool:
    """The heartbeat: the worker is alive now. False when its row is gone (pruned)."""
    result = db.session.execute(
        sa.update(Worker).where(Worker.id == worker_id).values(seen_at=now or now_utc()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def stop_worker(worker_id: str, now: dt.datetime | None = None) -> None:
    """Record a clean stop (a run it could not record the end of ends as failed)."""
    now = now or now_utc()
    db.session.execute(
        sa.update(Worker).where(Worker.id == worker_id).values(seen_at=now, stopped_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.worker_id == worker_id, JobRun.status == "running")
        .values(status="failed", finished_at=now, error=STOPPED),
        execution_options={"synchronize_session": False},
    )


def last_worker_seen() -> dt.datetime | None:
    """The newest heartbeat of a worker that has not stopped (None: no worker is running)."""
    return aware_utc(
        db.session.scalar(sa.select(sa.func.max(Worker.seen_at)).where(Worker.stopped_at.is_(None)))
    )


def stale_before(now: dt.datetime) -> dt.datetime:
    """Workers last seen before this are taken for dead."""
    return now - dt.timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])


def recent_workers(limit: int = 20) -> list[Worker]:
    """The workers seen most recently, running or not."""
    return list(
        db.session.scalars(
            sa.select(Worker).order_by(Worker.seen_at.desc(), Worker.id).limit(limit)
        )
    )


# --- Schedules and claims --------------------------------------------------------------------


def _insert_ignoring_duplicates(rows: list[dict]):
    """INSERT ... ON CONFLICT DO NOTHING: two workers starting at once both add the rows."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        insert(JobSchedule)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["job"])
        .returning(JobSchedule.job)
    )


def ensure_schedules(now: dt.datetime | None = None) -> int:
    """Give every enabled job a schedule row (a new job is due at once), and bring a job whose
    interval was shortened forward to at most one interval from now. Returns rows added."""
    now = now or now_utc()
    jobs = {job.name: every for job in JOBS.values() if (every := interval(job)) is not None}
    known = set(db.session.scalars(sa.select(JobSchedule.job)))
    missing = [{"job": name, "next_run_at": now} for name in sorted(jobs) if name not in known]
    added = []
    if missing:
        added = db.session.execute(_insert_ignoring_duplicates(missing)).scalars().all()
    for name, every in jobs.items():
        db.session.execute(
            sa.update(JobSchedule)
            .where(JobSchedule.job == name, JobSchedule.next_run_at > now + every)
            .values(next_run_at=now + every),
            execution_options={"synchronize_session": False},
        )
    return len(added)


def next_after(due: dt.datetime, every: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The first time on the job's cadence (`due` plus whole intervals) after `now`: a daily
    job keeps its time of day instead of drifting by each round's delay."""
    if due > now:
        return due
    return due + every * ((now - due) // every + 1)


def claim_due_job(job: str | Job, worker_id: str, now: dt.datetime | None = None) -> bool:
    """Claim the due run of `job` for `worker_id`; True when this worker is to run it.

    Exactly one of any number of workers gets a given run (see the module's docstring). False
    when the job is not due, is switched off, has no schedule yet, or another worker was first.
    """
    job = JOBS[job] if isinstance(job, str) else job
    now = now or now_utc()
    every = interval(job)
    if every is None:
        return False
    due = db.session.scalar(
        sa.select(JobSchedule.next_run_at).where(
            JobSchedule.job == job.name, JobSchedule.next_run_at <= now
        )
    )
    if due is None:
        return False
    result = db.session.execute(
        sa.update(JobSchedule)
        .where(
            JobSchedule.job == job.name,
            JobSchedule.next_run_at <= now,
            JobSchedule.next_run_at == due,
        )
        .values(
            next_run_at=next_after(due, every, now),
            last_claimed_by=worker_id,
            last_claimed_at=now,
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def due_jobs(now: dt.datetime | None = None) -> list[Job]:
    """Enabled jobs whose next run has come (not yet claimed), in the table's order."""
    now = now or now_utc()
    due = set(db.session.scalars(sa.select(JobSchedule.job).where(JobSchedule.next_run_at <= now)))
    return [job for job in JOBS.values() if job.name in due and interval(job) is not None]


# --- Runs ------------------------------------------------------------------------------------


def record_run_start(job: str, worker_id: str, now: dt.datetime | None = None) -> JobRun:
    run = JobRun(job=job, worker_id=worker_id, started_at=now or now_utc(), status="running")
    db.session.add(run)
    db.session.flush()
    return run


def record_run_finish(
    run: JobRun,
    *,
    summary: str | None = None,
    error: BaseException | str | None = None,
    now: dt.datetime | None = None,
) -> JobRun:
    """Mark `run` succeeded with what it did, or failed with its error (a traceback is kept
    trimmed to its end, where it says what went wrong)."""
    run.finished_at = now or now_utc()
    run.summary = summary[:SUMMARY_MAX] if summary else summary
    if error is None:
        run.status, run.error = "succeeded", None
    else:
        run.status, run.error = "failed", trim_error(error)
    db.session.flush()
    return run


def trim_error(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        text = "".join(traceback.format_exception(error)).strip()
    else:
        text = error
    return text if len(text) <= ERROR_MAX else "…" + text[-(ERROR_MAX - 1) :]


def fail_stale_runs(now: dt.datetime | None = None) -> list[JobRun]:
    """Runs still `running` on a worker that stopped or is no longer seen end as failed
    ("worker stopped"), and their job is due again (unless another worker claimed it since)."""
    now = now or now_utc()
    alive = sa.select(Worker.id).where(
        Worker.stopped_at.is_(None), Worker.seen_at >= stale_before(now)
    )
    runs = list(
        db.session.scalars(
            sa.select(JobRun)
            .where(JobRun.status == "running", JobRun.worker_id.not_in(alive))
            .order_by(JobRun.id)
        )
    )
    for run in runs:
        run.status, run.finished_at, run.error = "failed", now, STOPPED
        db.session.execute(
            sa.update(JobSchedule)
            .where(
                JobSchedule.job == run.job,
                JobSchedule.last_claimed_by == run.worker_id,
                JobSchedule.next_run_at > now,
            )
            .values(next_run_at=now),
            execution_options={"synchronize_session": False},
        )
    db.session.flush()
    return runs


def recent_runs(limit: int = 50) -> list[JobRun]:
    """The newest job runs first."""
    return list(
        db.session.scalars(
            sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
        )
    )


def job_overview() -> list[dict]:
    """Each job with its interval, its schedule row (or None) and its last run (or None), in
    three statements however many runs there are."""
    schedules = {s.job: s for s in db.session.scalars(sa.select(JobSchedule))}
    newest = sa.select(sa.func.max(JobRun.id)).group_by(JobRun.job).scalar_subquery()
    last = {
        run.job: run for run in db.session.scalars(sa.select(JobRun).where(JobRun.id.in_(newest)))
    }
    return [
        {
            "job": job,
            "interval": interval(job),
            "schedule": schedules.get(job.name),
            "last_run": last.get(job.name),
        }
        for job in JOBS.values()
    ]
