"""Catalogue, requests, approval and rejection over the API (no provider is called here)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Job
from hosting.catalogue.models import Offer
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest, Subscription
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory, offer_body, provider_body
from tests.support.queries import count_queries

HOST = "/api/v1/hosting"


@pytest.fixture
def hosting(database: Database) -> HostingFactory:
    return HostingFactory(database)


def _rows(database: Database) -> dict[str, int]:
    with database.session(scope=Scope.unrestricted()) as db:
        return {
            model.__name__: db.scalar(select(func.count()).select_from(model)) or 0
            for model in (HostingProvider, Offer, HostingRequest, Subscription, Job, AuditRecord)
        }


def test_catalogue_by_operator_readable_by_establishment(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    made = client.post(f"{HOST}/providers", json=provider_body(1, country="ch"), headers=operator)
    assert made.status_code == 201, made.text
    assert made.json()["country"] == "CH" and made.json()["in_eea"] is False
    offer = client.post(f"{HOST}/offers", json=offer_body(1, "backup", copies=2, immutable=True),
                        headers=operator)
    assert offer.status_code == 201, offer.text
    assert offer.json()["copies"] == 2 and offer.json()["retention_days"] == 30
    establishment = auth(Role.ESTABLISHMENT, make_tenant())
    listed = client.get(f"{HOST}/offers?kind=backup", headers=establishment).json()
    assert [o["code"] for o in listed["items"]] == ["offer-1"]
    edited = client.patch(f"{HOST}/offers/{offer.json()['id']}",
                          json={"monthly_price_cents": 4200}, headers=operator)
    assert edited.json()["monthly_price_cents"] == 4200
    assert client.post(f"{HOST}/offers", json=offer_body(1), headers=operator).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (provider_body(1, credential_ref="AKIA123:topsecret"), "credential_ref"),
        (provider_body(1, certificate_activities=[0, 7]), "certificate_activities"),
        (provider_body(1, country="France"), "country"),
        (provider_body(1, s3_endpoint="ftp://x"), "s3_endpoint"),
        # INTEGER columns: 2**31 overflowed them on PostgreSQL (a 500; the API fuzzer)
        (provider_body(1, capacity_gb=2**31), "capacity_gb"),
        (provider_body(1, capacity_vcpus=2**31), "capacity_vcpus"),
    ],
)
def test_provider_input_is_checked(client: TestClient, auth: TokenFactory,
                                   body: dict, field: str) -> None:
    answer = client.post(f"{HOST}/providers", json=body, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_backup_tier_needs_its_service_levels(client: TestClient, auth: TokenFactory) -> None:
    body = offer_body(1, "backup")
    del body["rpo_hours"]
    answer = client.post(f"{HOST}/offers", json=body, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 422 and "rpo_hours" in answer.json()["detail"]
    ranged = offer_body(2, parameters={"size_gb": {"min": 10, "max": 5, "default": 7}})
    answer = client.post(f"{HOST}/offers", json=ranged, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"].startswith(
        "parameters.size_gb")


def test_offer_parameters_are_bounded(client: TestClient, auth: TokenFactory) -> None:
    """A parameter's range stays within what a request's values may be (INTEGER)."""
    ranged = offer_body(1, parameters={"size_gb": {"min": 0, "max": 2**31, "default": 1}})
    answer = client.post(f"{HOST}/offers", json=ranged, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["parameters.size_gb.max"]


def test_establishment_requests_and_sees_cost_and_placement(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory
) -> None:
    hosting.provider(location="Paris")
    hosting.provider(location="Lyon", country="US")
    offer = hosting.offer()
    tenant = make_tenant()
    headers = auth(Role.ESTABLISHMENT, tenant)
    answer = client.post(f"{HOST}/requests", json={"offer": offer.code,
                                                   "parameters": {"size_gb": 500}},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["tenant"] == tenant.finess and made["state"] == "requested"
    assert made["monthly_cost_cents"] == 1000 + 500 * 2
    shown = client.get(f"{HOST}/requests/{made['id']}", headers=headers).json()
    placement = shown["plan"]["placement"]
    assert placement["ok"] and placement["chosen"] == ["hds-1"]
    assert placement["verdicts"][1]["reasons"] == ["stores data in US, outside the EEA"]
    assert shown["plan"]["resources"][0]["kind"] == "bucket"
    quota = client.get(f"{HOST}/quotas/{tenant.finess}", headers=headers).json()
    assert quota["used_monthly_cost_cents"] == 2000


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"offer": "nope"}, 422, "offer"),
        ({"parameters": {"size_gb": 5}}, 422, "parameters.size_gb"),
        ({"parameters": {"size_gb": 1001}}, 422, "parameters.size_gb"),
        ({"parameters": {"cores": 2}}, 422, "parameters.cores"),
        ({"parameters": {"size_gb": "many"}}, 422, "parameters.size_gb"),
        ({"parameters": {"size_gb": 1000}}, 409, "parameters"),  # above the quota set below
    ],
)
def test_bad_requests_write_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database, body: dict, status: int, field: str,
) -> None:
    offer = hosting.placeable_offer()
    tenant = make_tenant()
    client.put(f"{HOST}/quotas/{tenant.finess}", json={"max_monthly_cost_cents": 2000},
               headers=auth(Role.GCS_OPERATOR))
    headers = auth(Role.ESTABLISHMENT, tenant)
    before = _rows(database)
    answer = client.post(f"{HOST}/requests", json={"offer": offer.code, **body}, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert _rows(database) == before


def test_quota_counts_open_requests_not_rejected_ones(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory
) -> None:
    offer = hosting.placeable_offer()
    tenant = make_tenant()
    operator = auth(Role.GCS_OPERATOR)
    client.put(f"{HOST}/quotas/{tenant.finess}", json={"max_monthly_cost_cents": 2000},
               headers=operator)
    body = {"offer": offer.code, "tenant": tenant.finess, "parameters": {"size_gb": 100}}
    first = client.post(f"{HOST}/requests", json=body, headers=operator)
    assert first.status_code == 201
    refused = client.post(f"{HOST}/requests", json=body, headers=operator)
    assert refused.status_code == 409 and refused.json()["code"] == "HOST-0004"
    client.post(f"{HOST}/requests/{first.json()['id']}/reject", json={"reason": "budget"},
                headers=operator)
    assert client.post(f"{HOST}/requests", json=body, headers=operator).status_code == 201


def test_other_tenants_requests_are_invisible(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database,
) -> None:
    mine, theirs = make_tenant(), make_tenant()
    theirs_request = hosting.request(theirs)
    headers = auth(Role.ESTABLISHMENT, mine)
    assert client.get(f"{HOST}/requests/{theirs_request.id}", headers=headers).status_code == 404
    assert client.get(f"{HOST}/requests", headers=headers).json()["total"] == 0
    before = _rows(database)
    answer = client.post(f"{HOST}/requests", headers=headers,
                         json={"offer": hosting.placeable_offer().code, "tenant": theirs.finess})
    assert answer.status_code == 404
    assert _rows(database) == before
    assert client.get(f"{HOST}/quotas/{theirs.finess}", headers=headers).status_code == 404


def test_approval_is_for_operators_and_queues_one_job(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database,
) -> None:
    tenant = make_tenant()
    request = hosting.request(tenant)
    for role in (Role.ESTABLISHMENT, Role.AUDITOR, Role.RSSI, Role.NETWORK_ENGINEER):
        headers = auth(role, tenant if role is Role.ESTABLISHMENT else None)
        before = _rows(database)
        answer = client.post(f"{HOST}/requests/{request.id}/approve", headers=headers)
        assert answer.status_code == 403, role
        assert _rows(database) == before
    operator = auth(Role.GCS_OPERATOR)
    answer = client.post(f"{HOST}/requests/{request.id}/approve", headers=operator)
    assert answer.status_code == 202, answer.text
    job = answer.json()["job"]
    assert job["kind"] == "hosting.provision" and job["state"] == "queued"
    shown = client.get(f"{HOST}/requests/{request.id}", headers=operator).json()
    assert shown["state"] == "approved" and shown["job_id"] == job["id"]
    again = client.post(f"{HOST}/requests/{request.id}/approve", headers=operator)
    assert again.status_code == 409 and again.json()["code"] == "HOST-0005"
    late = client.post(f"{HOST}/requests/{request.id}/reject", json={"reason": "x"},
                       headers=operator)
    assert late.status_code == 409


def test_rejection_tells_the_reason(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory
) -> None:
    tenant = make_tenant()
    request = hosting.request(tenant)
    operator = auth(Role.GCS_OPERATOR)
    empty = client.post(f"{HOST}/requests/{request.id}/reject", json={"reason": ""},
                        headers=operator)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    answer = client.post(f"{HOST}/requests/{request.id}/reject",
                         json={"reason": "covered by the regional PACS"}, headers=operator)
    assert answer.json()["state"] == "rejected"
    seen = client.get(f"{HOST}/requests/{request.id}", headers=auth(Role.ESTABLISHMENT, tenant))
    assert seen.json()["reason"] == "covered by the regional PACS"
    assert client.post(f"{HOST}/requests/{request.id}/approve",
                       headers=operator).status_code == 409


def test_approval_replans_and_refuses_an_expired_provider(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database,
) -> None:
    a = hosting.provider(location="Paris")
    hosting.provider(location="Lyon")
    offer = hosting.offer("backup", copies=2, immutable=True)
    request = hosting.request(make_tenant(), offer)
    assert request.plan["placement"]["chosen"] == ["hds-1", "hds-2"]
    operator = auth(Role.GCS_OPERATOR)
    client.patch(f"{HOST}/providers/{a.id}", json={"certificate_expires_on": "2025-12-31"},
                 headers=operator)
    before = _rows(database)
    answer = client.post(f"{HOST}/requests/{request.id}/approve", headers=operator)
    assert answer.status_code == 409 and answer.json()["code"] == "HOST-0006"
    assert "found 1" in answer.json()["detail"]
    assert _rows(database)["Job"] == before["Job"]


def test_list_queries_are_pinned(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, hosting: HostingFactory,
    database: Database,
) -> None:
    headers = auth(Role.GCS_OPERATOR)
    counts: dict[str, list[int]] = {}
    for _ in range(3):
        tenant = make_tenant()
        hosting.provider()
        hosting.offer()
        hosting.subscription(tenant)
        for path in ("providers", "offers", "requests", "subscriptions"):
            with count_queries(database.engine, database.read_engine) as statements:
                answer = client.get(f"{HOST}/{path}", headers=headers)
            assert answer.status_code == 200 and answer.json()["total"] >= 1, answer.text
            counts.setdefault(path, []).append(len(statements))
    assert counts == {
        "providers": [4, 4, 4],  # with one query for what placed requests hold
        "offers": [3, 3, 3],
        "requests": [3, 3, 3],
        "subscriptions": [4, 4, 4],
    }
