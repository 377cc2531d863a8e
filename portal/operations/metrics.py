"""Prometheus metrics at /metrics: requests and their latency by method, endpoint and status,
kept by every app process; the outbox and the scheduled jobs, read from the database when
Prometheus scrapes.

/metrics answers only `Authorization: Bearer <PORTAL_METRICS_TOKEN>`: 404 while no token is
configured (nothing tells it exists), 401 for a missing or wrong token, like the API.

Several gunicorn workers each count their own requests. Set PROMETHEUS_MULTIPROC_DIR to an empty
folder that all workers of one server share (created and emptied before gunicorn starts, e.g. a
tmpfs): each worker then writes its counts there and a scrape adds them up, whichever worker
answers. Without it each process reports its own counts (fine for one process).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import time

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from portal.database import now_utc
from portal.errors import json_error
from portal.extensions import db

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LABELS = ("method", "endpoint", "status")

REQUESTS = Counter("portal_http_requests", "HTTP requests answered.", _LABELS)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the request's first hook to its response, in seconds.",
    _LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(response):
    """Count the request under its endpoint's name (bounded, unlike raw paths)."""
    started = g.get("request_started")
    method = request.method if request.method in _METHODS else "other"
    labels = (method, request.endpoint or "unmatched", str(response.status_code))
    REQUESTS.labels(*labels).inc()
    if started is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


def _age_seconds(oldest: dt.datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max((now_utc() - oldest).total_seconds(), 0.0)


class DatabaseCollector:
    """Figures read from the database at scrape time, by the process that answers the scrape."""

    def collect(self):
        up = GaugeMetricFamily(
            "portal_metrics_database_up", "1 when this scrape could read the database."
        )
        try:
            families = [*self._outbox(), *self._jobs()]
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("metrics: cannot read the database: %s", error.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    @staticmethod
    def _outbox():
        from portal.notifications.models import OutboxMessage

        depth, oldest = db.session.execute(
            sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status == "queued"
            )
        ).one()
        queued = GaugeMetricFamily(
            "portal_outbox_queued_messages", "Outbox messages waiting for delivery."
        )
        queued.add_metric([], depth)
        age = GaugeMetricFamily(
            "portal_outbox_oldest_queued_age_seconds",
            "Age of the oldest message still waiting for delivery (0 when none waits).",
        )
        age.add_metric([], _age_seconds(oldest))
        return [queued, age]

    @staticmethod
    def _jobs():
        from portal.operations.models import JobRun

        rows = db.session.execute(
            sa.select(
                JobRun.job,
                sa.func.count(),
                sa.func.count().filter(JobRun.status == "failed"),
                sa.func.max(JobRun.finished_at).filter(JobRun.status == "succeeded"),
            ).group_by(JobRun.job)
        ).all()
        runs = CounterMetricFamily("portal_job_runs", "Scheduled job runs started.", labels=["job"])
        failures = CounterMetricFamily(
            "portal_job_failures", "Scheduled job runs that failed.", labels=["job"]
        )
        last = GaugeMetricFamily(
            "portal_job_last_success_timestamp_seconds",
            "When each job last finished without error (Unix time).",
            labels=["job"],
        )
        for job, started, failed, succeeded_at in rows:
            runs.add_metric([job], started)
            failures.add_metric([job], failed)
            if succeeded_at is not None:
                if succeeded_at.tzinfo is None:
                    succeeded_at = succeeded_at.replace(tzinfo=dt.UTC)
                last.add_metric([job], succeeded_at.timestamp())
        return [runs, failures, last]


def _process_registry():
    """Every worker's request counts (multiprocess mode), or this process's own."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def render() -> bytes:
    """The exposition text: request metrics, then the database's figures."""
    return generate_latest(_process_registry()) + generate_latest(DatabaseCollector())


def _token_matches(expected: str) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    given = value.strip().encode() if scheme.lower() == "bearer" else b""
    return hmac.compare_digest(given, expected.encode())  # constant time


@bp.get("/metrics")
def scrape():
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        abort(404)
    if not _token_matches(expected):
        response = json_error(401, "unauthorized", "Send Authorization: Bearer <metrics token>.")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    response = Response(render(), mimetype=None, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
