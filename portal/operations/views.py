"""The background jobs page for administrators: workers, each job's schedule, recent runs."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template

from portal.auth.permissions import require
from portal.database import now_utc
from portal.operations import service

bp = Blueprint("operations", __name__, url_prefix="/admin")

RECENT_RUNS = 50


def every(interval: dt.timedelta | None) -> str:
    """'every 6 hours', 'every day', or 'off (left to cron)' for a job the worker leaves alone."""
    if interval is None:
        return "off (left to cron)"
    seconds = int(interval.total_seconds())
    unit, size = next(
        (unit, size)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
        if seconds % size == 0
    )
    count = seconds // size
    return f"every {unit}" if count == 1 else f"every {count} {unit}s"


@bp.get("/jobs")
@require("users.manage")
def jobs():
    now = now_utc()
    return render_template(
        "operations/jobs.html",
        workers=service.recent_workers(),
        stale_before=service.stale_before(now),
        overview=service.job_overview(),
        runs=service.recent_runs(RECENT_RUNS),
        interval=current_app.config["WORKER_INTERVAL"],
        now=now,
        every=every,
    )
