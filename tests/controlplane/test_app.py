"""Health, metrics, OpenAPI and the error format of the assembled app."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.db import Database, Scope
from tests.conftest import TokenFactory


def test_healthz_needs_no_token(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_metrics_count_requests_by_route_and_jobs_by_state(
    client: TestClient, auth: TokenFactory, database: Database, tmp_path: Path
) -> None:
    headers = auth("gcs-operator")
    client.get("/api/v1/tenants/750712184", headers=headers)
    with database.transaction(scope=Scope.unrestricted()) as db:
        for _ in range(2):
            jobs.enqueue(db, kind="test.quick", actor="t",
                         params={"marker": str(tmp_path / "m"), "release": ""})
    jobs.Worker(database).run_once()
    text = client.get("/metrics").text
    assert ('socle_http_requests_total{method="GET",route="/api/v1/tenants/{finess}",'
            'status="404"}') in text
    assert 'socle_http_request_duration_seconds_bucket{le="0.005",method="GET"' in text
    assert 'socle_jobs{state="queued"} 1.0' in text
    assert 'socle_jobs{state="succeeded"} 1.0' in text


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
