"""`flask --app portal worker`: one long-running process that delivers the outbox and runs
every periodic job on its schedule; run as many as you like (each run happens once).

A round: deliver every due outbox message (portal.notifications.sender, with its claims), then
run each due job this worker manages to claim (portal.operations.service). Between rounds the
worker sleeps `--interval` seconds, or starts the next round at once while mail is flowing.
A heartbeat thread records the worker as seen every interval, also while a long job runs.

SIGTERM or SIGINT: the worker finishes the message or job in hand, gives back the messages it
claimed but did not deliver, records itself stopped and exits 0. A worker killed outright
leaves claims that run out (OUTBOX_CLAIM_SECONDS) and a run that the other workers mark failed
("worker stopped") once it has not been seen for WORKER_STALE_SECONDS.

`--once` does one round and exits: deliver the due outbox, run every due job (for cron).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.database import now_utc
from portal.extensions import db
from portal.notifications.sender import Counts, new_worker_id, send_due
from portal.operations import service
from portal.operations.jobs import Job
from portal.operations.models import JobRun


@dataclass(frozen=True)
class Outcome:
    """How one job run ended (the row itself does not outlive the round's session)."""

    job: str
    run_id: int
    status: str


@dataclass
class Round:
    """What one round (or all of a worker's rounds) did."""

    delivery: Counts = field(default_factory=Counts)
    runs: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [outcome.job for outcome in self.runs if outcome.status == "failed"]


def run_job(job: Job, worker_id: str, echo=click.echo) -> Outcome:
    """Run one claimed job and record its run. The job's changes and the record of its success
    commit together; a job that raises is rolled back and recorded failed with its error."""
    started = now_utc()
    run_id = service.record_run_start(job.name, worker_id, started).id
    db.session.commit()  # the admin page shows it running
    log = current_app.logger
    clock = time.monotonic()
    try:
        summary = job.run(started)
        service.record_run_finish(db.session.get(JobRun, run_id), summary=summary)
        db.session.commit()
    except Exception as error:  # any job failure is recorded, and the worker goes on
        db.session.rollback()
        log.exception("Job %s failed on worker %s", job.name, worker_id)
        service.record_run_finish(db.session.get(JobRun, run_id), error=error)
        db.session.commit()
        echo(f"{job.name}: failed: {type(error).__name__}: {error}")
        return Outcome(job.name, run_id, "failed")
    seconds = time.monotonic() - clock
    log.info("Job %s succeeded in %.1f s on worker %s: %s", job.name, seconds, worker_id, summary)
    echo(f"{job.name}: {summary}")
    return Outcome(job.name, run_id, "succeeded")


def run_due_jobs(
    worker_id: str, stop: threading.Event | None = None, echo=click.echo
) -> list[Outcome]:
    """Run every job that is due and that this worker claims first; returns the runs."""
    runs = []
    for job in service.due_jobs():
        if stop is not None and stop.is_set():
            break
        claimed = service.claim_due_job(job, worker_id, now_utc())
        db.session.commit()  # the claim holds before the job runs
        if claimed:
            runs.append(run_job(job, worker_id, echo))
    return runs


def run_round(worker_id: str, stop: threading.Event | None = None, echo=click.echo) -> Round:
    """Deliver the due outbox, then run the due jobs."""
    result = Round()
    result.delivery = send_due(worker=worker_id, stop=stop)
    if result.delivery.total:
        echo(str(result.delivery))
    result.runs = run_due_jobs(worker_id, stop, echo)
    return result


def sweep_stale_runs(echo=click.echo) -> None:
    """Mark runs of dead workers failed (any worker may do it; it is idempotent)."""
    for run in service.fail_stale_runs():
        current_app.logger.warning(
            "Job %s (run %s) on worker %s: %s", run.job, run.id, run.worker_id, service.STOPPED
        )
        echo(f"{run.job}: run {run.id} of {run.worker_id} marked failed ({service.STOPPED}).")
    db.session.commit()


def _heartbeat(app, worker_id: str, every: float, stop: threading.Event) -> None:
    """Record the worker as seen every `every` seconds until `stop`, in its own session."""
    with app.app_context():
        while not stop.wait(every):
            try:
                service.touch_worker(worker_id)
                db.session.commit()
            except Exception:  # the database is away for a moment: beat again later
                db.session.rollback()
                app.logger.exception("worker %s: heartbeat failed", worker_id)
            finally:
                db.session.remove()


def run_worker(
    interval: float, stop: threading.Event, *, once: bool = False, echo=click.echo
) -> Round:
    """Run rounds every `interval` seconds until `stop` is set (one round with `once`), as one
    registered worker; returns what it did in all."""
    worker_id = new_worker_id()
    service.register_worker(worker_id)
    service.ensure_schedules()
    db.session.commit()
    echo(f"Worker {worker_id} started.")
    app = current_app._get_current_object()
    beat_stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(app, worker_id, interval, beat_stop), daemon=True
    )
    if not once:
        beat.start()
    stale_every = max(interval, app.config["WORKER_STALE_SECONDS"] / 4)
    last_sweep = -stale_every
    total = Round()
    try:
        while not stop.is_set():
            busy = False
            try:
                if time.monotonic() - last_sweep >= stale_every:
                    sweep_stale_runs(echo)
                    last_sweep = time.monotonic()
                done = run_round(worker_id, stop, echo)
            except Exception:  # the database is away: log, wait, try again
                db.session.rollback()
                app.logger.exception("worker %s: round failed", worker_id)
            else:
                total.delivery += done.delivery
                total.runs += done.runs
                busy = bool(done.delivery.total or done.delivery.released)
            finally:
                db.session.remove()
            if once:
                break
            if not busy:
                stop.wait(interval)
    finally:
        beat_stop.set()
        if beat.is_alive():
            beat.join(timeout=max(interval, 1) + 5)
        try:
            service.stop_worker(worker_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("worker %s: could not record the stop", worker_id)
    return total


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="One round (deliver the due outbox, run due jobs), then exit."
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between rounds and heartbeats [default: WORKER_INTERVAL, 5].",
)
@with_appcontext
def worker_command(once, interval):
    """Deliver the outbox and run every periodic job on its schedule until SIGTERM or SIGINT;
    safe to run on several machines at once."""
    interval = interval or current_app.config["WORKER_INTERVAL"]
    stop = threading.Event()

    def on_signal(signum, _frame):
        click.echo(f"Stopping after the current message or job ({signal.Signals(signum).name}).")
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    if not once:
        click.echo(f"Working every {interval:g} s; stop with SIGTERM or Ctrl-C.")
    try:
        total = run_worker(interval, stop, once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if once:
        click.echo(
            f"Done. {total.delivery} Ran {len(total.runs)} jobs, {len(total.failed)} failed."
        )
        if total.failed:  # cron tells someone
            sys.exit(1)
        return
    click.echo(f"Stopped. In all: {total.delivery} Ran {len(total.runs)} jobs.")
