"""Providers registered on the simulated S3 and EC2 endpoints, and subscriptions provisioned
on them through the real API and provisioning job (for the archive, DR and Pulumi tests)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database
from hosting.sim.endpoints import Endpoint
from tests.conftest import TokenFactory
from tests.hosting.factories import provider_body

HOST = "/api/v1/hosting"


def keys_env(name: str) -> str:
    """The environment variable holding a simulated provider's keys."""
    return f"SOCLE_SECRET_HOSTING_TEST_{name.upper().replace('-', '_')}_KEYS"


def register(
    client: TestClient,
    auth: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    location: str,
    *,
    s3: Endpoint | None = None,
    ec2: Endpoint | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """A provider called ``name`` on the given simulated endpoints (keys in the env).

    Both endpoints of one provider share keys in the simulator only if they are the
    same server; a provider with both uses the S3 keys (moto accepts any key).
    """
    endpoint = s3 or ec2
    assert endpoint is not None
    monkeypatch.setenv(keys_env(name), f"{endpoint.access_key}:{endpoint.secret_key}")
    body = provider_body(
        0,
        name=name,
        location=location,
        s3_endpoint=s3.url if s3 else None,
        ec2_endpoint=ec2.url if ec2 else None,
        s3_region=region or endpoint.region,
        credential_ref=f"env:{keys_env(name)}",
    )
    answer = client.post(f"{HOST}/providers", json=body, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def subscribe(
    client: TestClient,
    database: Database,
    auth: TokenFactory,
    tenant: Any,
    offer: dict[str, Any],
    **parameters: int,
) -> dict[str, Any]:
    """Create ``offer``, request it as ``tenant``, approve, run the job: the subscription."""
    operator = auth(Role.GCS_OPERATOR)
    made = client.post(f"{HOST}/offers", json=offer, headers=operator)
    assert made.status_code == 201, made.text
    request = client.post(
        f"{HOST}/requests",
        headers=auth(Role.ESTABLISHMENT, tenant),
        json={"offer": offer["code"], "parameters": parameters},
    )
    assert request.status_code == 201, request.text
    approved = client.post(f"{HOST}/requests/{request.json()['id']}/approve", headers=operator)
    assert approved.status_code == 202, approved.text
    job_id = approved.json()["job"]["id"]
    assert jobs.Worker(database).run_once() == job_id
    job = client.get(f"/api/v1/jobs/{job_id}", headers=operator).json()
    assert job["state"] == "succeeded", (job["error"], job["log"])
    found = client.get(f"{HOST}/subscriptions", headers=operator).json()["items"]
    (subscription,) = [s for s in found if s["request_id"] == request.json()["id"]]
    return dict(subscription)
