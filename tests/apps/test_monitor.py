"""Watching what runs between deployments: the health job checks every instance against a
real listener on loopback and records what changed; /metrics shows each instance's health
and drift; the plane's schedules queue the health and drift checks without piling up."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from apps import schedules
from apps.deployments.models import Instance
from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import Job
from tests.apps.factories import AppsFactory
from tests.conftest import TokenFactory
from tests.support.apphosts import free_port


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def listener() -> Iterator[ThreadingHTTPServer]:
    """An HTTP server answering /health with 200 (or what its handler's status says)."""
    handler = type("Handler", (_Health,), {"status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _instance(database: Database, apps: AppsFactory, port: int, **fields: Any) -> int:
    target = apps.target(ports={"identity": {"http": port}})
    with database.transaction(scope=Scope.unrestricted()) as db:
        row = Instance(service="identity", target_id=target.id, version="1.1.0",
                       config_sha256="0" * 64, **fields)
        db.add(row)
        db.flush()
        return row.id


def _health_of(database: Database, instance_id: int) -> tuple[str, str | None]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        row = db.get_one(Instance, instance_id)
        return row.health, row.health_detail


def test_health_job_records_changes_and_metrics_show_them(
    client: TestClient, database: Database, auth: TokenFactory,
    listener: ThreadingHTTPServer, metrics_headers: dict[str, str],
) -> None:
    apps = AppsFactory(database)
    answering = _instance(database, apps, listener.server_port, health="unknown")
    gone = _instance(database, apps, free_port(), health="healthy",
                     drift=["version: runs 1.0.0, should run 1.1.0"])
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = jobs.enqueue(db, kind="apps.health", params={}, actor="tests")
        job_id = job.id
    assert jobs.Worker(database).run_once() == job_id
    done = client.get(f"/api/v1/jobs/{job_id}", headers=auth(Role.GCS_OPERATOR)).json()
    assert done["state"] == "succeeded", done
    assert done["result"] == {"instances": 2, "unhealthy": 1, "changed": 2}
    assert _health_of(database, answering)[0] == "healthy"
    health, detail = _health_of(database, gone)
    assert health == "unhealthy" and "Connection refused" in (detail or "")
    lines = [entry["message"] for entry in done["log"]]
    assert any(re.search(r"identity on app-\d+: healthy → unhealthy", line) for line in lines)

    # The listener now answers 503: the next check sees it.
    listener.RequestHandlerClass.status = 503  # type: ignore[attr-defined]
    with database.transaction(scope=Scope.unrestricted()) as db:
        again = jobs.enqueue(db, kind="apps.health", params={}, actor="tests").id
    assert jobs.Worker(database).run_once() == again
    health, detail = _health_of(database, answering)
    assert health == "unhealthy" and "503" in (detail or "")

    exposed = client.get("/metrics", headers=metrics_headers).text
    healthy = re.findall(r'^socle_app_instance_healthy\{(.*)\} (\S+)$', exposed, re.M)
    assert len(healthy) == 2 and {value for _, value in healthy} == {"0.0"}
    drifted = dict(re.findall(r'^socle_app_instance_drifted\{(.*)\} (\S+)$', exposed, re.M))
    assert sorted(drifted.values()) == ["0.0", "1.0"]


def test_schedules_queue_health_and_drift_checks_once(database: Database) -> None:
    now = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert schedules.health(db, now=now) is None  # nothing deployed, nothing to check
        assert schedules.observe(db, now=now) is None
    _instance(database, AppsFactory(database), free_port())
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert schedules.health(db, now=now) is not None
        assert schedules.health(db, now=now) is None  # one is already queued
        assert schedules.observe(db, now=now) is not None
        kinds = sorted(db.scalars(select(Job.kind)).all())
    assert kinds == ["apps.health", "apps.observe"]
    assert {s.name for s in schedules.SCHEDULES} == {"apps.health-check", "apps.observe"}
