"""Prometheus metrics: HTTP requests and latencies, jobs by state, and the planes'.

HTTP metrics live in the process's default registry (with the process collector);
job counts are read from the database at scrape time, so every API process reports
the shared queue the same way. Planes add collectors of the same kind in
``<plane>.metrics: COLLECTORS`` (each made with the database).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controlplane import plugins
from controlplane.db import Database, utcnow
from controlplane.db import Scope as DbScope
from controlplane.jobs import JOB_STATES, TERMINAL_STATES
from controlplane.models import Job

disable_created_metrics()

HTTP_REQUESTS = Counter(
    "socle_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "socle_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class JobStateCollector(Collector):
    """The shared job queue, read at scrape time:

    - ``socle_jobs{state}``: how many jobs are in each state;
    - ``socle_jobs_finished_total{kind, state}``: jobs finished, by kind and outcome (jobs
      are kept, so the count only grows: ``increase()`` gives the failures of an hour);
    - ``socle_job_oldest_queued_timestamp_seconds``: when the oldest queued job was queued
      (absent when none waits), to see that no worker takes jobs;
    - ``socle_jobs_lease_expired``: running jobs whose worker stopped renewing its lease
      (a worker died, and none has resumed them yet).
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("socle_jobs", "Jobs by state.", labels=["state"])
        finished = CounterMetricFamily("socle_jobs_finished", "Jobs finished, by kind and "
                                       "outcome.", labels=["kind", "state"])
        oldest = GaugeMetricFamily("socle_job_oldest_queued_timestamp_seconds",
                                   "When the oldest job still queued was queued.")
        expired = GaugeMetricFamily("socle_jobs_lease_expired",
                                    "Running jobs whose worker's lease has expired.")
        now = utcnow()
        with self.database.session(scope=DbScope.unrestricted(), write=False) as db:
            counts = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
            by_kind = db.execute(select(Job.kind, Job.state, func.count())
                                 .where(Job.state.in_(TERMINAL_STATES))
                                 .group_by(Job.kind, Job.state).order_by(Job.kind, Job.state))
            for kind, state, count in by_kind:
                finished.add_metric([kind, state], count)
            queued_since = db.scalar(select(func.min(Job.created_at))
                                     .where(Job.state == "queued"))
            lost = db.scalar(select(func.count()).select_from(Job)
                             .where(Job.state == "running", Job.lease_expires_at < now))
        for state in JOB_STATES:
            family.add_metric([state], counts.get(state, 0))
        if queued_since is not None:
            oldest.add_metric([], queued_since.timestamp())
        expired.add_metric([], lost or 0)
        yield from (family, finished, oldest, expired)


def exposition(database: Database) -> bytes:
    """The text exposition of every Socle metric for this process."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    registry.register(JobStateCollector(database))
    for _plane, collectors in plugins.contributions("metrics", "COLLECTORS"):
        for make in collectors:
            registry.register(make(database))
    return generate_latest(REGISTRY) + generate_latest(registry)


class HttpMetricsMiddleware:
    """Pure ASGI middleware counting requests by route template (not raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_LATENCY.labels(method, template).observe(time.perf_counter() - started)
