"""Job claims, worker heartbeats and stale runs, on the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from portal.database import now_utc
from portal.extensions import db as _db
from portal.operations import service
from portal.operations.jobs import JOBS
from portal.operations.models import JobRun, JobSchedule, Worker


def schedule(job: str, next_run_at: dt.datetime) -> None:
    _db.session.merge(JobSchedule(job=job, next_run_at=next_run_at))
    _db.session.commit()


def test_two_workers_racing_for_a_due_run_give_it_to_exactly_one(app_factory):
    apps = [app_factory(), app_factory()]  # each its own engine and connections
    with apps[0].app_context():
        service.ensure_schedules()
        _db.session.commit()
    rounds = 12
    barrier = threading.Barrier(2, timeout=30)
    wins: dict[str, list[bool]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(app, name: str) -> None:
        try:
            with app.app_context():
                for _ in range(rounds):
                    if name == "a":  # make the run due again, then both race for it
                        schedule("expire-asks", now_utc() - dt.timedelta(seconds=1))
                    barrier.wait()
                    won = service.claim_due_job("expire-asks", f"worker-{name}", now_utc())
                    _db.session.commit()
                    wins[name].append(won)
                    barrier.wait()
                _db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
            barrier.abort()

    threads = [
        threading.Thread(target=worker, args=(app, n)) for app, n in zip(apps, "ab", strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [a + b for a, b in zip(wins["a"], wins["b"], strict=True)] == [1] * rounds


def test_a_claim_waiting_on_another_workers_claim_loses_once_that_commits(app_factory):
    first, second = app_factory(), app_factory()
    due = now_utc() - dt.timedelta(minutes=5)
    with first.app_context():
        service.ensure_schedules()
        _db.session.commit()
        schedule("send-reminders", due)
    outcome: list[bool] = []

    def other() -> None:
        with second.app_context():
            outcome.append(service.claim_due_job("send-reminders", "worker-b", now_utc()))
            _db.session.commit()
            _db.session.remove()

    with first.app_context():
        assert service.claim_due_job("send-reminders", "worker-a", now_utc()) is True
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.5)  # it blocks on the uncommitted claim (or read the old row)
        _db.session.commit()
        thread.join(30)
        assert outcome == [False]
        row = _db.session.get(JobSchedule, "send-reminders")
        assert row.last_claimed_by == "worker-a"
        assert row.next_run_at > now_utc()


def test_claim_keeps_the_jobs_cadence_and_skips_runs_missed_while_down(db):
    service.ensure_schedules()
    nine = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    schedule("send-digests", nine)
    later = nine + dt.timedelta(days=2, hours=3)  # down for two days
    assert service.claim_due_job("send-digests", "w", later) is True
    db.session.expire_all()
    assert db.session.get(JobSchedule, "send-digests").next_run_at == nine + dt.timedelta(days=3)
    assert service.claim_due_job("send-digests", "w", later) is False  # not due again


def test_a_job_set_to_zero_is_left_to_cron(app_factory):
    app = app_factory(WORKER_SEND_DIGESTS_SECONDS=0)
    with app.app_context():
        service.ensure_schedules()
        _db.session.commit()
        names = set(_db.session.scalars(sa.select(JobSchedule.job)))
        assert "send-digests" not in names
        assert names == set(JOBS) - {"send-digests"}
        schedule("send-digests", now_utc() - dt.timedelta(days=1))
        assert service.claim_due_job("send-digests", "w", now_utc()) is False
        assert "send-digests" not in [job.name for job in service.due_jobs()]


def test_ensure_schedules_adds_each_job_once_and_pulls_a_shortened_interval_forward(app_factory):
    app = app_factory(WORKER_EXPIRE_ASKS_SECONDS=60)
    with app.app_context():
        now = now_utc()
        assert service.ensure_schedules(now) == len(JOBS)
        assert service.ensure_schedules(now) == 0
        schedule("expire-asks", now + dt.timedelta(hours=1))  # from when it was hourly
        service.ensure_schedules(now)
        _db.session.commit()
        assert _db.session.get(JobSchedule, "expire-asks").next_run_at == now + dt.timedelta(
            seconds=60
        )


def test_last_worker_seen_is_the_newest_heartbeat_of_a_running_worker(db):
    assert service.last_worker_seen() is None
    now = now_utc()
    service.register_worker("host:1:aaaa", now - dt.timedelta(minutes=10))
    service.register_worker("host:2:bbbb", now - dt.timedelta(minutes=5))
    db.session.commit()
    service.touch_worker("host:1:aaaa", now - dt.timedelta(seconds=3))
    db.session.commit()
    assert service.last_worker_seen() == now - dt.timedelta(seconds=3)
    service.stop_worker("host:1:aaaa", now)
    db.session.commit()
    assert service.last_worker_seen() == now - dt.timedelta(minutes=5)
    service.stop_worker("host:2:bbbb", now)
    db.session.commit()
    assert service.last_worker_seen() is None


def test_a_dead_workers_running_run_is_failed_and_its_job_due_again(db):
    now = now_utc()
    service.ensure_schedules(now)
    service.register_worker("dead:1:aaaa", now - dt.timedelta(hours=1))
    service.register_worker("alive:2:bbbb", now)
    db.session.commit()
    assert service.claim_due_job("refresh-eligibility", "dead:1:aaaa", now)
    assert service.claim_due_job("expire-asks", "alive:2:bbbb", now)
    dead = service.record_run_start("refresh-eligibility", "dead:1:aaaa", now)
    alive = service.record_run_start("expire-asks", "alive:2:bbbb", now)
    db.session.commit()

    later = now + dt.timedelta(seconds=1)
    failed = service.fail_stale_runs(later)
    db.session.commit()
    assert [run.id for run in failed] == [dead.id]
    db.session.expire_all()
    assert (dead.status, dead.error, dead.finished_at) == ("failed", service.STOPPED, later)
    assert alive.status == "running"
    assert db.session.get(JobSchedule, "refresh-eligibility").next_run_at == later
    assert db.session.get(JobSchedule, "expire-asks").next_run_at > later
    assert service.fail_stale_runs(later) == []  # once only


def test_a_clean_stop_fails_a_run_the_worker_could_not_finish(db):
    service.register_worker("w:1:aaaa")
    run = service.record_run_start("expire-asks", "w:1:aaaa")
    db.session.commit()
    service.stop_worker("w:1:aaaa")
    db.session.commit()
    db.session.expire_all()
    assert (run.status, run.error) == ("failed", service.STOPPED)
    assert db.session.get(Worker, "w:1:aaaa").stopped_at is not None


def test_a_failed_run_keeps_the_end_of_its_traceback(db):
    run = service.record_run_start("expire-asks", "w")
    try:
        raise RuntimeError("x" * 10_000 + " the real reason")
    except RuntimeError as error:
        service.record_run_finish(run, error=error)
    db.session.commit()
    stored = db.session.scalar(sa.select(JobRun))
    assert stored.status == "failed"
    assert len(stored.error) == service.ERROR_MAX
    assert stored.error.endswith("the real reason")


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        ("09:00", "09:00", "10:00"),
        ("09:00", "09:59", "10:00"),
        ("09:00", "12:30", "13:00"),
        ("11:00", "10:00", "11:00"),
    ],
)
def test_next_after_stays_on_the_hour(due, now, expected):
    def at(text: str) -> dt.datetime:
        hours, minutes = map(int, text.split(":"))
        return dt.datetime(2026, 12, 1, hours, minutes, tzinfo=dt.UTC)

    assert service.next_after(at(due), dt.timedelta(hours=1), at(now)) == at(expected)
