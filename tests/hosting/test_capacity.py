"""Placement consumes capacity: approved, provisioning and active requests hold storage and
vCPUs on their providers; a full provider is passed over or refused with what it has left;
concurrent approvals never take more than there is; a failed request gives its capacity
back; operators see what is left per provider (API and CLI)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.errors import Conflict
from controlplane.models import Tenant
from hosting.subscriptions import capacity
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.models import HostingRequest
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.hosting.factories import HostingFactory
from tests.hosting.test_hosting_cli import socle
from tests.network.factories import race

HOST = "/api/v1/hosting"


@pytest.fixture
def hosting(database: Database) -> HostingFactory:
    return HostingFactory(database)


def _request(client: TestClient, auth: TokenFactory, tenant: Tenant, offer: str,
             **parameters: int) -> dict[str, Any]:
    made = client.post(f"{HOST}/requests", headers=auth(Role.ESTABLISHMENT, tenant),
                       json={"offer": offer, "parameters": parameters})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _approve(client: TestClient, auth: TokenFactory, request: dict[str, Any]) -> Any:
    return client.post(f"{HOST}/requests/{request['id']}/approve",
                       headers=auth(Role.GCS_OPERATOR))


def _verdicts(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["provider"]: v for v in request["plan"]["placement"]["verdicts"]}


def _providers(client: TestClient, auth: TokenFactory) -> dict[str, dict[str, Any]]:
    listed = client.get(f"{HOST}/providers", headers=auth(Role.GCS_OPERATOR)).json()["items"]
    return {p["name"]: p for p in listed}


def test_a_full_provider_is_passed_over_then_refused_with_what_is_left(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
) -> None:
    hosting.provider(name="hds-a", capacity_gb=500)
    hosting.provider(name="hds-b", capacity_gb=300)
    offer = hosting.offer("storage").code
    tenant = make_tenant()

    first = _request(client, auth, tenant, offer, size_gb=460)
    assert first["plan"]["placement"]["chosen"] == ["hds-a"]
    assert _approve(client, auth, first).status_code == 202

    second = _request(client, auth, tenant, offer, size_gb=60)  # hds-a has 40 GB left
    assert second["plan"]["placement"]["chosen"] == ["hds-b"]
    shown = _verdicts(second)
    assert shown["hds-a"]["reasons"] == ["40 GB left of 500, 60 asked"]
    assert (shown["hds-a"]["left_gb"], shown["hds-b"]["left_gb"]) == (40, 300)
    assert _approve(client, auth, second).status_code == 202

    third = _request(client, auth, tenant, offer, size_gb=250)  # 40 and 240 left
    assert third["plan"]["placement"]["ok"] is False
    refused = _approve(client, auth, third)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "hds-a: 40 GB left of 500, 250 asked" in detail
    assert "hds-b: 240 GB left of 300, 250 asked" in detail
    again = client.get(f"{HOST}/requests/{third['id']}", headers=auth(Role.GCS_OPERATOR))
    assert again.json()["state"] == "requested" and again.json()["job_id"] is None

    providers = _providers(client, auth)
    assert (providers["hds-a"]["held_gb"], providers["hds-a"]["left_gb"]) == (460, 40)
    assert (providers["hds-b"]["held_gb"], providers["hds-b"]["left_gb"]) == (60, 240)
    one = client.get(f"{HOST}/providers/{providers['hds-b']['id']}",
                     headers=auth(Role.ESTABLISHMENT, tenant)).json()
    assert (one["capacity_gb"], one["left_gb"]) == (300, 240)
    signed_in(client, auth, "gcs-operator")
    page = client.get(f"/console/hosting/requests/{third['id']}").text
    assert "hds-a : écarté (40 GB left of 500, 250 asked) — reste 40 Go sur 500" in page
    listed = {p["name"]: p for p in socle("provider", "list", "--json")}
    assert (listed["hds-a"]["left_gb"], listed["hds-b"]["left_gb"]) == (40, 240)
    assert socle("provider", "show", "hds-b", "--json")["held_gb"] == 60


def test_vms_hold_the_vcpus_of_their_instance_type_and_their_disk(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
) -> None:
    hosting.provider(name="hds-a", capacity_vcpus=8, capacity_gb=1000)
    hosting.provider(name="hds-b", capacity_vcpus=4, capacity_gb=1000)
    offer = hosting.offer("vm").code
    tenant = make_tenant()
    placed = []
    for _ in range(3):  # m5.xlarge: 4 vCPUs each; hds-a takes two, hds-b one
        request = _request(client, auth, tenant, offer, vcpus=4, memory_gb=16, disk_gb=100)
        assert _approve(client, auth, request).status_code == 202
        placed.append(request["plan"]["placement"]["chosen"])
    assert placed == [["hds-a"], ["hds-a"], ["hds-b"]]

    refused = _approve(client, auth, _request(client, auth, tenant, offer, vcpus=4,
                                              memory_gb=16, disk_gb=10))
    assert refused.status_code == 409
    assert "hds-a: 0 vCPUs left of 8, 4 asked" in refused.json()["detail"]
    assert "hds-b: 0 vCPUs left of 4, 4 asked" in refused.json()["detail"]
    providers = _providers(client, auth)
    assert (providers["hds-a"]["held_vcpus"], providers["hds-a"]["held_gb"]) == (8, 200)
    assert (providers["hds-b"]["left_vcpus"], providers["hds-b"]["left_gb"]) == (0, 900)


def test_a_failed_request_gives_its_capacity_back(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database,
) -> None:
    hosting.provider(name="hds-a", capacity_gb=100)  # its S3 endpoint is dead
    offer = hosting.offer("storage").code
    tenant = make_tenant()
    doomed = _request(client, auth, tenant, offer, size_gb=100)
    job_id = _approve(client, auth, doomed).json()["job"]["id"]
    waiting = _request(client, auth, tenant, offer, size_gb=100)
    assert _verdicts(waiting)["hds-a"]["reasons"] == ["0 GB left of 100, 100 asked"]
    assert _approve(client, auth, waiting).status_code == 409

    assert jobs.Worker(database).run_once() == job_id  # the provider refuses: failed
    shown = client.get(f"{HOST}/requests/{doomed['id']}", headers=auth(Role.GCS_OPERATOR))
    assert shown.json()["state"] == "failed"
    assert _providers(client, auth)["hds-a"]["left_gb"] == 100
    assert _approve(client, auth, waiting).status_code == 202
    assert _approve(client, auth, doomed).status_code == 409  # its retry must fit again


def test_concurrent_approvals_never_oversubscribe_a_provider(
    database: Database, make_tenant: TenantFactory, hosting: HostingFactory,
) -> None:
    hosting.provider(name="hds-a", capacity_gb=500)
    offer = hosting.offer("storage")
    requests = [hosting.request(make_tenant(), offer, size_gb=100).id for _ in range(8)]

    def work(i: int) -> str:
        with database.transaction(scope=Scope.unrestricted()) as db:
            request = db.get_one(HostingRequest, requests[i])
            return lifecycle.approve(db, request, actor="tests").state

    results = race(len(requests), work)
    approved = [r for r in results if r == "approved"]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(approved) == 5 and len(refused) == 3, results
    assert all("hds-a: 0 GB left of 500, 100 asked" in r.detail for r in refused)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert capacity.held(db)["hds-a"].gb == 500
        states = db.scalars(select(HostingRequest.state).where(HostingRequest.id.in_(requests)))
        assert sorted(states) == ["approved"] * 5 + ["requested"] * 3
