"""Workers, the schedule of each periodic job, and the record of every job run."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import enum_column, now_utc
from portal.extensions import db

JOB_RUN_STATUSES = ("running", "succeeded", "failed")


class Worker(db.Model):
    """One `flask --app portal worker` process, from its start to its stop.

    `seen_at` is its heartbeat; a worker that stops cleanly sets `stopped_at`, one that is
    killed simply stops being seen.
    """

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sender.new_worker_id()
    hostname: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    seen_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    stopped_at: Mapped[dt.datetime | None]


class JobSchedule(db.Model):
    """When a periodic job is due next, and which worker claimed its last run.

    A worker claims a run by moving `next_run_at` on with a conditional UPDATE, so each due run
    goes to exactly one worker however many are running.
    """

    __tablename__ = "job_schedules"

    job: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_run_at: Mapped[dt.datetime]
    last_claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_claimed_at: Mapped[dt.datetime | None]


class JobRun(db.Model):
    """One run of a periodic job: who ran it, when, how it ended and what it did.

    `worker_id` names the worker (no foreign key: old workers are pruned with their runs kept
    for the same time, and a run outlives nothing it needs).
    """

    __tablename__ = "job_runs"
    __table_args__ = (sa.Index("ix_job_runs_job_started_at", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    worker_id: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(
        enum_column(*JOB_RUN_STATUSES, name="job_run_status"), default="running"
    )
    summary: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
