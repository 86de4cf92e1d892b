"""Health, metrics, OpenAPI and the error format of the assembled app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from controlplane import jobs
from controlplane.api.app import create_app
from controlplane.db import Database, Scope, utcnow
from controlplane.models import Job
from controlplane.settings import Settings
from tests.conftest import TokenFactory


def sample(text: str, name: str) -> float | None:
    """The value of the unlabelled sample ``name`` in an exposition, if it is there."""
    values = [float(line.split()[1]) for line in text.splitlines()
              if line.startswith(f"{name} ")]
    assert len(values) <= 1, values
    return values[0] if values else None


def test_healthz_needs_no_token(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_metrics_need_the_scrape_token(client: TestClient, auth: TokenFactory,
                                       metrics_headers: dict[str, str]) -> None:
    """/metrics labels backup and archive states by FINESS: not for anyone who asks, nor
    for an API token (an establishment's would do); the scrape token in the data
    directory only."""
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert client.get("/metrics", headers=auth("gcs-operator")).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer " + "0" * 64}
                      ).status_code == 401
    assert "socle_jobs" in client.get("/metrics", headers=metrics_headers).text


def test_metrics_are_open_when_the_scrape_token_is_turned_off(
    settings: Settings, database: Database,
) -> None:
    """SOCLE_METRICS_SCRAPE_TOKEN=false: for a management network only."""
    opened = settings.model_copy(update={"metrics_scrape_token": False})
    with TestClient(create_app(opened, database)) as open_client:
        assert open_client.get("/metrics").status_code == 200


def test_metrics_count_requests_by_route_and_jobs_by_state(
    client: TestClient, auth: TokenFactory, database: Database, tmp_path: Path,
    metrics_headers: dict[str, str],
) -> None:
    headers = auth("gcs-operator")
    client.get("/api/v1/tenants/750712184", headers=headers)
    with database.transaction(scope=Scope.unrestricted()) as db:
        for _ in range(2):
            jobs.enqueue(db, kind="test.quick", actor="t",
                         params={"marker": str(tmp_path / "m"), "release": ""})
    jobs.Worker(database).run_once()
    text = client.get("/metrics", headers=metrics_headers).text
    assert ('socle_http_requests_total{method="GET",route="/api/v1/tenants/{finess}",'
            'status="404"}') in text
    assert 'socle_http_request_duration_seconds_bucket{le="0.005",method="GET"' in text
    assert 'socle_jobs{state="queued"} 1.0' in text
    assert 'socle_jobs{state="succeeded"} 1.0' in text
    assert 'socle_jobs_finished_total{kind="test.quick",state="succeeded"} 1.0' in text
    assert "socle_jobs_lease_expired 0.0" in text
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        queued = db.scalars(select(Job).where(Job.state == "queued")).one()
    assert sample(text, "socle_job_oldest_queued_timestamp_seconds") == \
        pytest.approx(queued.created_at.timestamp())


def test_metrics_show_running_jobs_whose_worker_vanished(
    client: TestClient, database: Database, tmp_path: Path, metrics_headers: dict[str, str],
) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = jobs.enqueue(db, kind="test.quick", actor="t",
                           params={"marker": str(tmp_path / "m"), "release": ""})
        job.state, job.lease_owner = "running", "worker-that-died"
        job.lease_expires_at = utcnow() - timedelta(minutes=1)
    text = client.get("/metrics", headers=metrics_headers).text
    assert "socle_jobs_lease_expired 1.0" in text
    assert sample(text, "socle_job_oldest_queued_timestamp_seconds") is None  # none waits
    assert 'socle_schedule_interval_seconds{schedule="hosting.archive-verify"} 86400.0' in text


def test_openapi_documents_every_route_with_its_permission(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/tenants"]["post"]
    assert operation["security"] == [{"HTTPBearer": ["tenants:write"]}]
    assert "TenantCreate" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    answer = client.get("/api/v1/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 404


def test_forbidden_names_the_missing_permission(client: TestClient, auth: TokenFactory) -> None:
    answer = client.post("/api/v1/tenants", headers=auth("auditor"),
                         json={"finess": "750712184", "name": "x", "kind": "ES"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "role auditor may not tenants:write"
