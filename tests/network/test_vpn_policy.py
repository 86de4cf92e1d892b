"""VRFs and the hub-and-spoke VPN policy: every tenant VRF reaches the shared services
and back, no tenant VRF reaches another tenant's (checked over every pair, on many
tenants); RD/RT allocated as ASN:N, collisions refused."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.db import Database, Scope
from controlplane.models import AuditRecord
from controlplane.settings import get_settings
from network import as_policy, create_vrf, reachability, violations, vrf_query
from network.ipam.models import Vrf
from network.ipam.schemas import VrfCreate
from network.ipam.vpn import VrfKind, VrfPolicy, format_value, lowest_free, parse_value, policy
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory, race

NET = "/api/v1/network"
ASN = 65010


def _vrf(name: str, kind: VrfKind, number: int, tenant: str | None = None) -> VrfPolicy:
    imports, exports = policy(kind, format_value(ASN, number), ASN)
    return VrfPolicy(name, kind, tenant, frozenset(imports), frozenset(exports))


def _region(tenants: int, services: int, shared: int) -> list[VrfPolicy]:
    numbers = itertools.count(100)
    hubs = [_vrf(f"SHARED-{i}", VrfKind.SHARED, next(numbers)) for i in range(shared)]
    spokes = [_vrf(f"T{t}-{s}", VrfKind.TENANT, next(numbers), tenant=f"T{t}")
              for t in range(tenants) for s in range(services)]
    return hubs + spokes


def test_hub_and_spoke_isolates_every_pair_of_tenants() -> None:
    vrfs = _region(tenants=60, services=3, shared=2)
    reach = reachability(vrfs)
    hubs = [v for v in vrfs if v.kind is VrfKind.SHARED]
    spokes = [v for v in vrfs if v.kind is VrfKind.TENANT]
    for spoke in spokes:
        for hub in hubs:
            assert (spoke.name, hub.name) in reach and (hub.name, spoke.name) in reach
    for a, b in itertools.permutations(spokes, 2):
        assert (a.name, b.name) not in reach, (a, b)
    for a, b in itertools.permutations(hubs, 2):
        assert (a.name, b.name) not in reach
    assert len(reach) == 2 * len(hubs) * len(spokes)
    assert violations(vrfs) == []


def test_violations_name_a_leak_and_a_tenant_cut_off() -> None:
    vrfs = _region(tenants=3, services=1, shared=1)
    hub, a, b, c = vrfs
    leaky = VrfPolicy(a.name, a.kind, a.tenant, a.imports | b.exports, a.exports)
    cut_off = VrfPolicy(c.name, c.kind, c.tenant, c.imports - hub.exports, c.exports)
    found = violations([hub, leaky, b, cut_off])
    assert f"{a.name} (tenant {a.tenant}) reaches {b.name} (tenant {b.tenant})" in found
    assert f"{c.name} does not reach {hub.name}" in found
    assert len(found) == 3  # a reaches b's own RT and, by the spoke RT, c too


@pytest.mark.parametrize(("text", "expected"), [
    ("65010:100", (65010, 100)),
    (" 64512:4294967295 ", (64512, 4294967295)),
    ("4200000001:65535", (4200000001, 65535)),
])
def test_asn_values_parse(text: str, expected: tuple[int, int]) -> None:
    assert parse_value(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("65010", "not ASN:N"),
    ("65010:", "not ASN:N"),
    ("AS65010:1", "not ASN:N"),
    ("0:1", "between 1 and"),
    ("23456:1", "AS_TRANS"),
    ("4200000001:65536", "at most 65535"),
    ("65010:4294967296", "at most 4294967295"),
])
def test_bad_asn_values_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value(text)


def test_lowest_free_skips_used_and_reserved_numbers() -> None:
    assert lowest_free([], 65535) == 100
    assert lowest_free([100, 101, 103], 65535) == 102
    assert lowest_free([100, 101], 101) is None


def test_vrfs_through_the_api_allocate_rd_and_rt_and_keep_tenants_apart(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
) -> None:
    tenants = [make_tenant() for _ in range(12)]
    headers = auth("network-engineer")

    def post(body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"{NET}/vrfs", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()

    shared = post({"name": "ENRS", "kind": "shared", "service": "enrs-hosting"})
    assert (shared["rd"], shared["route_target"], shared["tenant"]) == (
        "65010:100", "65010:100", None)
    assert shared["import_targets"] == ["65010:100", "65010:2"]
    assert shared["export_targets"] == ["65010:100", "65010:1"]
    spokes = [post({"name": f"T{t.finess}-{service}", "kind": "tenant", "tenant": t.finess,
                    "service": service}) for t in tenants for service in ("gfu", "imagerie")]
    assert spokes[0]["import_targets"] == ["65010:101", "65010:1"]
    assert spokes[0]["export_targets"] == ["65010:101", "65010:2"]
    assert len({v["rd"] for v in [shared, *spokes]}) == 25
    assert len({v["route_target"] for v in [shared, *spokes]}) == 25

    with database.session(scope=Scope.unrestricted(), write=False) as db:
        policies = [as_policy(v) for v in db.scalars(vrf_query())]
        audited = db.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "network.vrf.create"))
    assert violations(policies) == []
    assert len(reachability(policies)) == 2 * 24 and audited == 25

    own = tenants[0]
    mine = client.get(f"{NET}/vrfs", headers=auth("establishment", own)).json()
    assert sorted(v["name"] for v in mine["items"]) == [f"T{own.finess}-gfu",
                                                        f"T{own.finess}-imagerie"]
    listing = client.get(f"{NET}/vrfs?kind=tenant&service=gfu", headers=headers).json()
    assert listing["total"] == 12
    assert client.get(f"{NET}/vrfs?tenant={own.finess}", headers=headers).json()["total"] == 2
    other_vrf = spokes[-1]["id"]
    assert client.get(f"{NET}/vrfs/{other_vrf}",
                      headers=auth("establishment", own)).status_code == 404
    assert client.get(f"{NET}/vrfs/{shared['id']}",
                      headers=auth("establishment", own)).status_code == 404


def _vrf_rows(database: Database) -> tuple[int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return (db.scalar(select(func.count()).select_from(Vrf)) or 0,
                db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def test_rd_and_rt_collisions_and_bad_vrfs_are_refused_and_write_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
) -> None:
    tenant = make_tenant()
    net = NetworkFactory(database)
    net.vrf()
    taken = net.vrf(tenant, rd="65010:500", route_target="65020:7")
    headers = auth("gcs-operator")
    body = {"name": "NEW", "kind": "tenant", "tenant": tenant.finess, "service": "new"}
    before = _vrf_rows(database)
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({**body, "rd": "65010:500"}, 409, "rd", f"the RD of VRF {taken.name}"),
        ({**body, "route_target": "65020:7"}, 409, "route_target", f"the RT of VRF {taken.name}"),
        ({**body, "route_target": "65010:1"}, 409, "route_target", "reserved"),
        ({**body, "route_target": "65010:2"}, 409, "route_target", "reserved"),
        ({**body, "name": taken.name}, 409, "name", "already exists"),
        ({**body, "service": taken.service}, 409, "service", "already exists"),
        ({**body, "rd": "65010"}, 422, "rd", "not ASN:N"),
        ({**body, "route_target": "23456:1"}, 422, "route_target", "AS_TRANS"),
        ({**body, "tenant": None}, 422, "tenant", "belongs to a tenant"),
        ({**body, "kind": "shared"}, 422, "tenant", "belongs to no tenant"),
        ({**body, "kind": "hub"}, 422, "kind", ""),
        ({**body, "tenant": "750712184"}, 422, "tenant", "no tenant 750712184"),
        ({**body, "name": "1-bad"}, 422, "name", "a letter"),
        ({**body, "service": "GFU!"}, 422, "service", "lower-case"),
    ]
    for payload, code, field, message in cases:
        answer = client.post(f"{NET}/vrfs", json=payload, headers=headers)
        assert answer.status_code == code, (payload, answer.text)
        assert any(e["field"] == field and message in e["message"]
                   for e in answer.json()["errors"]), (field, answer.json())
    assert _vrf_rows(database) == before
    given = client.post(f"{NET}/vrfs", json={**body, "rd": "65010:101"}, headers=headers).json()
    assert (given["rd"], given["route_target"]) == ("65010:101", "65010:102")


def test_the_asn_comes_from_the_settings(
    client: TestClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCLE_NETWORK_ASN", "4200000010")
    get_settings.cache_clear()
    answer = client.post(f"{NET}/vrfs", json={"name": "ENRS", "kind": "shared",
                                              "service": "enrs"}, headers=auth("gcs-operator"))
    assert answer.json()["rd"] == "4200000010:100"
    assert answer.json()["export_targets"] == ["4200000010:100", "4200000010:1"]


def test_concurrent_vrfs_get_distinct_values(database: Database,
                                             make_tenant: TenantFactory) -> None:
    tenant = make_tenant()

    def work(i: int) -> str:
        with database.transaction(scope=Scope.unrestricted()) as db:
            data = VrfCreate(name=f"T-{i}", kind="tenant", tenant=tenant.finess, service=f"s{i}")
            return create_vrf(db, data, actor="t").rd

    results = race(6, work)
    assert all(isinstance(r, str) for r in results), results
    assert sorted(results) == [f"65010:{n}" for n in range(100, 106)]
