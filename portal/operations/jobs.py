"""The periodic jobs the worker runs, each with its schedule (a `WORKER_*_SECONDS` setting).

Each job calls the same service function as its command (`send-reminders`, `send-digests`,
`refresh-eligibility`, `expire-points`, `expire-asks`, `warn-expiring-content`), which stay for
operators who prefer cron, and returns the counts the command prints. A job never commits: the
worker commits its changes together with the record of its run. Outbox delivery is not a job:
the worker delivers what is due on every round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def send_reminders(now: dt.datetime) -> str:
    from portal.notifications.reminders import run_reminders

    written = run_reminders(now)
    lines = [f"{name}: {_plural(count, 'reminder')}" for name, count in written.items()]
    return "\n".join([*lines, f"Wrote {sum(written.values())} reminders."])


def send_digests(now: dt.datetime) -> str:
    from portal.notifications.digest import send_digests as write_digests

    return f"Wrote {_plural(write_digests(now), 'digest')}."


def send_executive_summaries(now: dt.datetime) -> str:
    from portal.recognition.summary import send_executive_summaries as write_summaries

    return f"Wrote {_plural(write_summaries(now), 'executive summary', 'executive summaries')}."


def refresh_eligibility(now: dt.datetime) -> str:
    from portal.asks.eligibility import refresh_fairness

    count = refresh_fairness(now)
    return f"Refreshed fairness counts; recomputed {count} advocates whose blackout passed."


def expire_points(now: dt.datetime) -> str:
    from portal.benefits.ledger import expire_points as expire

    expired, told = expire()  # the program's own day, as the command
    return f"Expired points of {expired} advocates; told {told} about points expiring soon."


def expire_asks(now: dt.datetime) -> str:
    from portal.asks.asks import expire_overdue_asks
    from portal.asks.requests import expire_overdue_requests

    asks, requests = expire_overdue_asks(now), expire_overdue_requests(now)
    return f"Expired {_plural(asks, 'ask')} and {_plural(requests, 'request')}."


def warn_expiring_content(now: dt.datetime) -> str:
    from portal.content.approval import warn_expiring

    count = warn_expiring()
    return f"Warned about {_plural(count, 'approval')} ending within 30 days."


def prune_history(now: dt.datetime) -> str:
    """Forget job runs and stopped workers older than WORKER_HISTORY_DAYS."""
    from portal.operations.models import JobRun, Worker

    cutoff = now - dt.timedelta(days=current_app.config["WORKER_HISTORY_DAYS"])
    runs = db.session.execute(
        sa.delete(JobRun).where(JobRun.started_at < cutoff, JobRun.status != "running"),
        execution_options={"synchronize_session": False},
    ).rowcount
    workers = db.session.execute(
        sa.delete(Worker).where(sa.or_(Worker.stopped_at < cutoff, Worker.seen_at < cutoff)),
        execution_options={"synchronize_session": False},
    ).rowcount
    return f"Pruned {_plural(runs, 'job run')} and {_plural(workers, 'worker')}."


@dataclass(frozen=True)
class Job:
    name: str  # as the command that does the same by hand
    run: Callable[[dt.datetime], str]  # changes, never commits; returns what it did
    setting: str  # the config key with its interval in seconds (0: not run by the worker)
    description: str


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("send-reminders", send_reminders, "WORKER_SEND_REMINDERS_SECONDS",
            "Reminders of asks about to expire, stale invitations and follow-ups."),
        Job("expire-asks", expire_asks, "WORKER_EXPIRE_ASKS_SECONDS",
            "Expire unanswered asks and requests past their needed-by date."),
        Job("send-digests", send_digests, "WORKER_SEND_DIGESTS_SECONDS",
            "Weekly digest e-mails (at most one per person and week)."),
        Job("send-executive-summaries", send_executive_summaries,
            "WORKER_SEND_EXECUTIVE_SUMMARIES_SECONDS",
            "Executives' summary e-mail of the last week or month (one per period)."),
        Job("refresh-eligibility", refresh_eligibility, "WORKER_REFRESH_ELIGIBILITY_SECONDS",
            "Roll matching's fairness counts forward."),
        Job("expire-points", expire_points, "WORKER_EXPIRE_POINTS_SECONDS",
            "Expire old points and warn advocates whose points expire soon."),
        Job("warn-expiring-content", warn_expiring_content,
            "WORKER_WARN_EXPIRING_CONTENT_SECONDS",
            "Warn the program team about customer approvals ending within 30 days."),
        Job("prune-job-history", prune_history, "WORKER_PRUNE_HISTORY_SECONDS",
            "Forget job runs and stopped workers older than WORKER_HISTORY_DAYS."),
    )
}  # fmt: skip


def interval(job: Job) -> dt.timedelta | None:
    """How often `job` runs, or None when the worker leaves it alone (its setting is 0)."""
    seconds = current_app.config[job.setting]
    return dt.timedelta(seconds=seconds) if seconds and seconds > 0 else None


def enabled_jobs() -> list[Job]:
    return [job for job in JOBS.values() if interval(job) is not None]
