"""Every route × every role × own/other tenant, generated from the OpenAPI route table.

Each operation's permission is read from the OpenAPI document (its bearer scope). A
route without an example request (below, or in a ``tests/<plane>/authz_cases*.py``
module's ``CASES``) fails the test, so a new route cannot ship without being covered.
"""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane.api.app import PUBLIC_ROUTES
from controlplane.auth import Role, role_allows
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.config import plans
from network.config.schemas import PlanCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import offer_body, provider_body
from tests.support.authz import Case, World

TESTS = Path(__file__).parents[1]

NET = "/api/v1/network"
WINDOW = {"starts_at": "2026-12-01T22:00:00Z", "ends_at": "2026-12-02T02:00:00Z", "reason": "r"}
NETWORK_CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{NET}/providers"): Case(lambda w, t: (f"{NET}/providers", None)),
    ("POST", f"{NET}/providers"): Case(
        lambda w, t: (f"{NET}/providers", {"name": w.new_finess(), "kind": "MPLS",
                                           "contract_ref": "C"}), success=201),
    ("GET", f"{NET}/providers/{{provider_id}}"): Case(
        lambda w, t: (f"{NET}/providers/{w.net.provider().id}", None)),
    ("GET", f"{NET}/sites"): Case(lambda w, t: (f"{NET}/sites", None)),
    ("POST", f"{NET}/sites"): Case(
        lambda w, t: (f"{NET}/sites", {"tenant": t.finess, "code": w.new_finess(), "name": "n",
                                       "address": "a", "access": "THD"}), success=201),
    ("GET", f"{NET}/sites/{{site_id}}"): Case(
        lambda w, t: (f"{NET}/sites/{w.net.site(t).id}", None), tenant_bound=True),
    ("GET", f"{NET}/devices"): Case(lambda w, t: (f"{NET}/devices", None)),
    ("POST", f"{NET}/devices"): Case(
        lambda w, t: (f"{NET}/devices", {"hostname": f"ce{w.new_finess()}", "role": "CE",
                                         "platform": "arista_eos", "site": w.net.site(t).code,
                                         "mgmt_address": "::1", "username": "u",
                                         "credential_ref": "env:SOCLE_SECRET_NETWORK_X"}),
        success=201),
    ("GET", f"{NET}/devices/{{device_id}}"): Case(
        lambda w, t: (f"{NET}/devices/{w.net.device(w.net.site(t)).id}", None),
        tenant_bound=True),
    ("GET", f"{NET}/circuits"): Case(lambda w, t: (f"{NET}/circuits", None)),
    ("POST", f"{NET}/circuits"): Case(
        lambda w, t: (f"{NET}/circuits", {"ref": w.new_finess(), "provider": w.net.provider().name,
                                          "site": w.net.site(t).code, "bandwidth_mbps": 10,
                                          "committed_mbps": 10}), success=201),
    ("GET", f"{NET}/circuits/{{circuit_id}}"): Case(
        lambda w, t: (f"{NET}/circuits/{w.net.circuit(t).id}", None), tenant_bound=True),
    ("GET", f"{NET}/maintenances"): Case(lambda w, t: (f"{NET}/maintenances", None)),
    ("POST", f"{NET}/maintenances"): Case(
        lambda w, t: (f"{NET}/maintenances", {"circuit": w.net.circuit(t).ref, **WINDOW}),
        success=201),
    ("GET", f"{NET}/maintenances/{{maintenance_id}}"): Case(
        lambda w, t: (f"{NET}/maintenances/{w.net.maintenance(t).id}", None), tenant_bound=True),
    ("GET", f"{NET}/vrfs"): Case(lambda w, t: (f"{NET}/vrfs", None)),
    ("POST", f"{NET}/vrfs"): Case(
        lambda w, t: (f"{NET}/vrfs", {"name": f"T{w.new_finess()}", "kind": "tenant",
                                      "tenant": t.finess, "service": w.new_finess()}),
        success=201),
    ("GET", f"{NET}/vrfs/{{vrf_id}}"): Case(
        lambda w, t: (f"{NET}/vrfs/{w.net.vrf(t).id}", None), tenant_bound=True),
    ("GET", f"{NET}/pools"): Case(lambda w, t: (f"{NET}/pools", None)),
    ("POST", f"{NET}/pools"): Case(
        lambda w, t: (f"{NET}/pools", {"name": w.new_finess(), "prefix": w.net.ipv4_block(),
                                       "role": "loopback"}), success=201),
    ("GET", f"{NET}/pools/{{pool_id}}"): Case(
        lambda w, t: (f"{NET}/pools/{w.net.pool().id}", None)),
    ("GET", f"{NET}/prefixes"): Case(lambda w, t: (f"{NET}/prefixes", None)),
    ("POST", f"{NET}/prefixes"): Case(
        lambda w, t: (f"{NET}/prefixes", {"prefix": w.net.pool(w.net.ipv4_block(24)).prefix}),
        success=201),
    ("POST", f"{NET}/prefixes/{{pool_id}}/allocate"): Case(
        lambda w, t: (f"{NET}/prefixes/{w.net.pool().id}/allocate",
                      {"length": 24, "site": w.net.site(t).code}), success=201),
    ("GET", f"{NET}/prefixes/{{prefix_id}}"): Case(
        lambda w, t: (f"{NET}/prefixes/{w.net.prefix(t).id}", None), tenant_bound=True),
    ("DELETE", f"{NET}/prefixes/{{prefix_id}}"): Case(
        lambda w, t: (f"{NET}/prefixes/{w.net.prefix(t).id}", None)),
    # SLA (network/sla): computed reports are scoped by the session, never tenant-bound.
    ("GET", f"{NET}/sla"): Case(lambda w, t: (f"{NET}/sla?period=2026-12", None)),
    ("GET", f"{NET}/sla/breaches"): Case(
        lambda w, t: (f"{NET}/sla/breaches?from=2026-11&to=2026-12", None)),
    ("GET", f"{NET}/sla/contracts"): Case(lambda w, t: (f"{NET}/sla/contracts", None)),
    ("POST", f"{NET}/sla/contracts"): Case(
        lambda w, t: (f"{NET}/sla/contracts", {
            "provider": w.net.provider().name, "sla_class": "standard", "availability_pct": 99.9,
            "latency_p95_ms": 40, "jitter_p95_ms": 10, "loss_pct": 0.5,
            "monthly_fee_cents": 50_000}), success=201),
}

HOST = "/api/v1/hosting"
def _network_plan(w: World, t: Tenant) -> int:
    """A stored (empty) configuration plan of a site of ``t``."""
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        return plans.make(db, PlanCreate(site=w.net.site(t).code), actor="tests").id


def _migration(w: World, t: Tenant) -> dict[str, str]:
    """A site of ``t`` on MPLS with a planned THD circuit on its CE: a valid request."""
    site = w.net.site(t, access="MPLS")
    ce = w.net.device(site).hostname
    w.net.circuit(t, provider=w.net.provider("MPLS"), site=site, a_device=ce, status="active")
    thd = w.net.circuit(t, provider=w.net.provider("THD"), site=site, a_device=ce,
                        status="planned", access="THD")
    return {"site": site.code, "circuit": thd.ref}


NETWORK_CONFIG_CASES: dict[tuple[str, str], Case] = {
    ("POST", f"{NET}/plan"): Case(
        lambda w, t: (f"{NET}/plan", {"site": w.net.site(t).code}), success=201),
    ("GET", f"{NET}/plans/{{plan_id}}"): Case(
        lambda w, t: (f"{NET}/plans/{_network_plan(w, t)}", None), tenant_bound=True),
    ("POST", f"{NET}/apply"): Case(
        lambda w, t: (f"{NET}/apply", {"plan_id": _network_plan(w, t)}), success=202),
    ("GET", f"{NET}/drift"): Case(lambda w, t: (f"{NET}/drift", None)),
    ("GET", f"{NET}/devices/{{device_id}}/config"): Case(
        lambda w, t: (f"{NET}/devices/{w.net.device(w.net.site(t)).id}/config", None),
        tenant_bound=True),
    ("POST", f"{NET}/backups"): Case(lambda w, t: (f"{NET}/backups", None), success=202),
    ("POST", f"{NET}/migrations"): Case(
        lambda w, t: (f"{NET}/migrations", _migration(w, t)), success=201),
}

HOSTING_CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{HOST}/providers"): Case(lambda w, t: (f"{HOST}/providers", None)),
    ("POST", f"{HOST}/providers"): Case(
        lambda w, t: (f"{HOST}/providers", provider_body(next(w.serials))), success=201),
    ("GET", f"{HOST}/providers/{{provider_id}}"): Case(
        lambda w, t: (f"{HOST}/providers/{w.hosting.provider().id}", None)),
    ("PATCH", f"{HOST}/providers/{{provider_id}}"): Case(
        lambda w, t: (f"{HOST}/providers/{w.hosting.provider().id}", {"capacity_gb": 5})),
    ("GET", f"{HOST}/offers"): Case(lambda w, t: (f"{HOST}/offers", None)),
    ("POST", f"{HOST}/offers"): Case(
        lambda w, t: (f"{HOST}/offers", offer_body(next(w.serials))), success=201),
    ("GET", f"{HOST}/offers/{{offer_id}}"): Case(
        lambda w, t: (f"{HOST}/offers/{w.hosting.offer().id}", None)),
    ("PATCH", f"{HOST}/offers/{{offer_id}}"): Case(
        lambda w, t: (f"{HOST}/offers/{w.hosting.offer().id}", {"monthly_price_cents": 5})),
    ("GET", f"{HOST}/requests"): Case(lambda w, t: (f"{HOST}/requests", None)),
    ("POST", f"{HOST}/requests"): Case(
        lambda w, t: (f"{HOST}/requests", {"offer": w.hosting.placeable_offer().code,
                                           "tenant": t.finess}),
        success=201, tenant_bound=True),
    ("GET", f"{HOST}/requests/{{request_id}}"): Case(
        lambda w, t: (f"{HOST}/requests/{w.hosting.request(t).id}", None), tenant_bound=True),
    ("POST", f"{HOST}/requests/{{request_id}}/approve"): Case(
        lambda w, t: (f"{HOST}/requests/{w.hosting.request(t).id}/approve", None),
        success=202, tenant_bound=True),
    ("POST", f"{HOST}/requests/{{request_id}}/reject"): Case(
        lambda w, t: (f"{HOST}/requests/{w.hosting.request(t).id}/reject", {"reason": "no"}),
        tenant_bound=True),
    ("GET", f"{HOST}/subscriptions"): Case(lambda w, t: (f"{HOST}/subscriptions", None)),
    ("GET", f"{HOST}/subscriptions/{{subscription_id}}"): Case(
        lambda w, t: (f"{HOST}/subscriptions/{w.hosting.subscription(t).id}", None),
        tenant_bound=True),
    ("GET", f"{HOST}/quotas/{{finess}}"): Case(
        lambda w, t: (f"{HOST}/quotas/{t.finess}", None), tenant_bound=True),
    ("PUT", f"{HOST}/quotas/{{finess}}"): Case(
        lambda w, t: (f"{HOST}/quotas/{t.finess}", {"max_monthly_cost_cents": 900_000}),
        tenant_bound=True),
}

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/tenants"): Case(lambda w, t: ("/api/v1/tenants", None)),
    ("POST", "/api/v1/tenants"): Case(
        lambda w, t: ("/api/v1/tenants", {"finess": w.new_finess(), "name": "n", "kind": "ES"}),
        success=201),
    ("GET", "/api/v1/tenants/{finess}"): Case(
        lambda w, t: (f"/api/v1/tenants/{t.finess}", None), tenant_bound=True),
    ("PATCH", "/api/v1/tenants/{finess}"): Case(
        lambda w, t: (f"/api/v1/tenants/{t.finess}", {"name": "renamed"}), tenant_bound=True),
    ("GET", "/api/v1/me"): Case(lambda w, t: ("/api/v1/me", None)),
    ("GET", "/api/v1/tokens"): Case(lambda w, t: ("/api/v1/tokens", None)),
    ("POST", "/api/v1/tokens"): Case(
        lambda w, t: ("/api/v1/tokens", {"name": "n", "role": "auditor"}), success=201),
    ("DELETE", "/api/v1/tokens/{token_id}"): Case(
        lambda w, t: (f"/api/v1/tokens/{w.token_id()}", None)),
    ("GET", "/api/v1/jobs"): Case(lambda w, t: ("/api/v1/jobs", None)),
    ("GET", "/api/v1/jobs/{job_id}"): Case(
        lambda w, t: (f"/api/v1/jobs/{w.job_for(t)}", None), tenant_bound=True),
    ("POST", "/api/v1/jobs/{job_id}/cancel"): Case(
        lambda w, t: (f"/api/v1/jobs/{w.job_for(t)}/cancel", None), success=202,
        tenant_bound=True),
    ("GET", "/api/v1/schedules"): Case(lambda w, t: ("/api/v1/schedules", None)),
    ("GET", "/api/v1/audit"): Case(lambda w, t: ("/api/v1/audit", None)),
    ("GET", "/api/v1/audit/verify"): Case(lambda w, t: ("/api/v1/audit/verify", None)),
    **NETWORK_CASES,
    **NETWORK_CONFIG_CASES,
    **HOSTING_CASES,
}


def _plane_cases() -> dict[tuple[str, str], Case]:
    """The ``CASES`` of every ``tests/<plane>/authz_cases*.py`` module."""
    found: dict[tuple[str, str], Case] = {}
    for module_path in sorted(TESTS.glob("*/authz_cases*.py")):
        module = importlib.import_module(f"tests.{module_path.parent.name}.{module_path.stem}")
        overlap = set(found) & set(module.CASES)
        assert not overlap, f"{module_path.name} repeats {sorted(overlap)}"
        found.update(module.CASES)
    return found


CASES.update(_plane_cases())


def operations(client: TestClient) -> dict[tuple[str, str], str]:
    """(method, path) → permission, for every authenticated operation in the OpenAPI."""
    found = {}
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            security = operation.get("security")
            if not security:
                assert path in PUBLIC_ROUTES, f"{method.upper()} {path} has no permission"
                continue
            (scopes,) = [scopes for requirement in security for scopes in requirement.values()]
            assert len(scopes) == 1, f"{method.upper()} {path}: one permission per route"
            found[(method.upper(), path)] = scopes[0]
    return found


@pytest.fixture
def world(client: TestClient, database: Database, auth: TokenFactory,
          make_tenant: TenantFactory, tmp_path: Path) -> World:
    return World(client, database, auth, {"own": make_tenant(), "other": make_tenant()},
                 tmp_path, itertools.count(700_000))


def test_every_route_has_a_permission_and_an_example(client: TestClient) -> None:
    routes = operations(client)
    assert set(routes) == set(CASES), "add the new route to CASES (or remove the stale one)"


@pytest.mark.parametrize("role", list(Role))
def test_matrix(world: World, role: Role) -> None:
    own = world.tenants["own"]
    headers = world.auth(role, own if role is Role.ESTABLISHMENT else None)
    failures = []
    for (method, path), permission in operations(world.client).items():
        case = CASES[(method, path)]
        for which in ("own", "other"):
            url, body = case.build(world, world.tenants[which])
            if not role_allows(role, permission):
                expected = 403
            elif role is Role.ESTABLISHMENT and case.tenant_bound and which == "other":
                expected = 404
            else:
                expected = case.success
            answer = world.client.request(method, url, json=body, headers=headers)
            if answer.status_code != expected:
                failures.append(f"{role.value} {method} {url} ({which}): "
                                f"{answer.status_code} != {expected} {answer.text[:200]}")
    assert not failures, "\n".join(failures)
