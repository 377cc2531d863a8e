"""Real `flask --app portal worker` processes on the test database: a clean stop on SIGTERM, and
two workers sharing 200 messages through a real SMTP server, one of them killed mid-run."""

from __future__ import annotations

import signal
from collections import Counter

import sqlalchemy as sa

from portal.database import now_utc
from portal.extensions import db as _db
from portal.notifications.models import OutboxMessage
from portal.operations import service
from portal.operations.jobs import JOBS
from portal.operations.models import JobRun
from tests.notifications.servers import SMTPServer
from tests.operations.conftest import queue_messages, wait_for, worker_row


def sent_count(ids: list[int]) -> int:
    _db.session.rollback()
    return _db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sent")
    )


def job_runs() -> int:
    _db.session.rollback()
    return _db.session.scalar(
        sa.select(sa.func.count()).select_from(JobRun).where(JobRun.status == "succeeded")
    )


def claimed_by(worker_id: str) -> set[int]:
    """Messages still queued under this worker's claim."""
    _db.session.rollback()
    return set(
        _db.session.scalars(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.claimed_by == worker_id, OutboxMessage.status == "queued"
            )
        )
    )


def delivered(smtp: SMTPServer) -> Counter:
    """How often the server received each outbox message (by its X-Portal-Message id)."""
    with smtp.handler.lock:
        return Counter(int(mail["X-Portal-Message"]) for mail in smtp.handler.parsed())


def test_sigterm_finishes_the_message_in_hand_releases_the_rest_and_marks_the_worker_stopped(
    app, start_worker
):
    smtp = SMTPServer()
    smtp.handler.delay = 0.1  # a slow mail server: the worker is mid-batch when told to stop
    smtp.start()
    try:
        with app.app_context():
            ids = queue_messages(30)
        process = start_worker(
            "--interval", "0.2", PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(smtp.port)
        )
        with app.app_context():
            wait_for(lambda: len(smtp.handler.messages) >= 3)
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
            assert process.returncode == 0, output
            assert "Stopping after the current message or job (SIGTERM)." in output
            assert "Stopped. In all: Sent" in output

            worker = worker_row(process.pid)
            assert worker.stopped_at is not None
            assert service.last_worker_seen() is None
            messages = _db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))
            ).all()
            sent = {m.id for m in messages if m.status == "sent"}
            # Every message the server took is recorded sent, exactly once; the rest are
            # queued again with no claim left on them, for the next worker.
            assert delivered(smtp) == Counter(sent)
            assert 3 <= len(sent) < 30
            rest = [m for m in messages if m.id not in sent]
            assert {(m.status, m.claimed_by, m.claimed_until) for m in rest} == {
                ("queued", None, None)
            }
            # Told to stop while delivering, it starts no job.
            assert _db.session.scalars(sa.select(JobRun)).all() == []
            _db.session.remove()
    finally:
        smtp.stop()


def test_two_workers_deliver_200_messages_once_each_even_when_one_is_killed(app, start_worker):
    smtp = SMTPServer()
    smtp.handler.delay = 0.01
    smtp.start()
    # Claims run out after 2 s here (300 s by default), so the killed worker's messages come back
    # quickly; a batch of 10 is delivered well within its claim. The factory takes settings as
    # literals on the command line.
    factory = "portal:create_app({'OUTBOX_CLAIM_SECONDS': 2, 'OUTBOX_BATCH': 10})"
    mail = {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port)}
    try:
        with app.app_context():
            ids = queue_messages(200)
            doomed = start_worker("--interval", "0.2", app=factory, **mail)
            survivor = start_worker("--interval", "0.2", app=factory, **mail)
            wait_for(lambda: worker_row(doomed.pid) and worker_row(survivor.pid))
            doomed_id = worker_row(doomed.pid).id
            wait_for(lambda: len(smtp.handler.messages) >= 20)
            # Kill it mid-batch: while it holds claims on several messages it has not sent.
            wait_for(lambda: len(claimed_by(doomed_id)) >= 3, every=0.005)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
            orphans = claimed_by(doomed_id)
            assert orphans, "the killed worker held no claims: not killed mid-run"
            assert sent_count(ids) < 200

            wait_for(lambda: sent_count(ids) == 200, timeout=90)  # a loaded machine is slow
            wait_for(lambda: job_runs() == len(JOBS))  # after delivering, the survivor's jobs
            survivor.send_signal(signal.SIGTERM)
            output, _ = survivor.communicate(timeout=15)
            assert survivor.returncode == 0, output

            counts = delivered(smtp)
            assert set(counts) == set(ids)  # none lost
            twice = {message_id for message_id, n in counts.items() if n > 1}
            # A message is delivered twice only if the kill came between the server taking it
            # and the worker recording it: at most the one in flight, among its claims.
            assert len(twice) <= 1 and twice <= orphans, (twice, orphans)
            assert all(n <= 2 for n in counts.values())
            # Each job ran once between the two workers.
            jobs = Counter(_db.session.scalars(sa.select(JobRun.job)))
            assert jobs == Counter(list(JOBS))
            _db.session.remove()
    finally:
        smtp.stop()


def test_a_killed_workers_running_job_is_failed_by_another_worker(app, start_worker):
    """The run a worker dies in ends as failed ("worker stopped") once it is stale, and the job
    becomes due again and runs on the survivor."""
    with app.app_context():
        service.register_worker("gone:1:dead", service.stale_before(now_utc()))
        service.ensure_schedules()
        assert service.claim_due_job("expire-asks", "gone:1:dead")
        stale = service.record_run_start("expire-asks", "gone:1:dead").id
        _db.session.commit()
        process = start_worker("--interval", "0.2")

        def rerun():
            _db.session.rollback()
            return _db.session.scalars(
                sa.select(JobRun).where(JobRun.job == "expire-asks", JobRun.id != stale)
            ).first()

        again = wait_for(rerun)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0, output
        assert f"expire-asks: run {stale} of gone:1:dead marked failed (worker stopped)." in output
        _db.session.expire_all()
        run = _db.session.get(JobRun, stale)
        assert (run.status, run.error) == ("failed", "worker stopped")
        assert again.worker_id == worker_row(process.pid).id
        _db.session.remove()
