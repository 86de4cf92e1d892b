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
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controlplane import plugins
from controlplane.db import Database
from controlplane.db import Scope as DbScope
from controlplane.jobs import JOB_STATES
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
    """``socle_jobs{state=...}``: how many jobs are in each state, read at scrape time."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("socle_jobs", "Jobs by state.", labels=["state"])
        with self.database.session(scope=DbScope.unrestricted(), write=False) as db:
            counts = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        for state in JOB_STATES:
            family.add_metric([state], counts.get(state, 0))
        yield family


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
