"""The network inventory through the HTTP API: providers, sites, devices, circuits,
maintenance windows. Validation names the field and writes nothing; duplicates are 409;
an establishment sees only its own; every mutation is audited; list endpoints run a
fixed number of queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.db import Base, Database, Scope
from controlplane.models import AuditRecord, Tenant
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory
from tests.support.queries import count_queries

NET = "/api/v1/network"
SECRET = "correct-horse-battery-staple"


@pytest.fixture
def net(database: Database) -> NetworkFactory:
    return NetworkFactory(database)


def _rows(database: Database) -> dict[str, int]:
    """Rows in every network table, and audit records."""
    tables = [t for name, t in Base.metadata.tables.items() if name.startswith("network_")]
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        counts = {t.name: db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
        counts["audit"] = db.scalar(select(func.count()).select_from(AuditRecord)) or 0
    return counts


def test_an_operator_builds_a_site_with_its_routers_and_circuit(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCLE_CE_PASSWORD", SECRET)
    tenant = make_tenant(department="69")
    headers = auth("network-engineer")

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"{NET}/{path}", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()

    provider = post("providers", {"name": "Opérateur MPLS", "kind": "mpls", "contract_ref": "M-1",
                                  "contacts": [{"name": "NOC", "email": "noc@op.invalid",
                                                "phone": "+33 4 00 00 00 00"}]})
    assert provider["kind"] == "MPLS" and provider["contacts"][0]["email"] == "noc@op.invalid"
    site = post("sites", {"tenant": tenant.finess, "code": "69-chu-lyon", "name": "CHU Lyon",
                          "address": "103 Grande Rue de la Croix-Rousse", "access": "MPLS",
                          "service_class": "gold"})
    assert site["code"] == "69-CHU-LYON" and site["department"] == "69"
    assert site["tenant"] == tenant.finess
    ce = post("devices", {"hostname": "CE-69-CHU-1", "role": "ce", "platform": "cisco_ios",
                          "site": "69-CHU-LYON", "mgmt_address": "10.255.0.1", "username": "socle",
                          "credential_ref": "env:SOCLE_SECRET_NETWORK_CE_PASSWORD",
                          "asn": 4_200_000_001})
    assert ce["hostname"] == "ce-69-chu-1" and ce["tenant"] == tenant.finess
    pe = post("devices", {"hostname": "pe-lyon-1", "role": "PE", "platform": "juniper_junos",
                          "mgmt_address": "2001:db8::1", "username": "socle",
                          "credential_ref": "file:pe-lyon.secret"})
    assert pe["site"] is None and pe["tenant"] is None and pe["mgmt_address"] == "2001:db8::1"
    circuit = post("circuits", {"ref": "MPLS-0001", "provider": "Opérateur MPLS",
                                "site": "69-chu-lyon", "a_device": "ce-69-chu-1",
                                "z_device": "pe-lyon-1", "a_interface": "GigabitEthernet0/0/1.100",
                                "z_interface": "ge-0/0/3.100", "vlan": 100,
                                "bandwidth_mbps": 200, "committed_mbps": 200,
                                "cos_profile": "realtime", "sla_class": "critical"})
    assert circuit["access"] == "MPLS" and circuit["status"] == "planned"
    assert (circuit["a_device"], circuit["z_device"]) == ("ce-69-chu-1", "pe-lyon-1")
    window = post("maintenances", {"circuit": "MPLS-0001", "reason": "IOS upgrade",
                                   "starts_at": "2026-12-01T22:00:00+01:00",
                                   "ends_at": "2026-12-02T01:00:00+01:00"})
    assert window["starts_at"] == "2026-12-01T21:00:00Z" and window["tenant"] == tenant.finess

    for path, item in [("providers", provider), ("sites", site), ("devices", ce),
                       ("circuits", circuit), ("maintenances", window)]:
        shown = client.get(f"{NET}/{path}/{item['id']}", headers=headers)
        assert shown.status_code == 200 and shown.json() == item

    with database.session(scope=Scope.unrestricted(), write=False) as db:
        records = db.scalars(select(AuditRecord).where(AuditRecord.action.like("network.%"))
                             .order_by(AuditRecord.seq)).all()
    assert [r.action for r in records] == [
        "network.provider.create", "network.site.create", "network.device.create",
        "network.device.create", "network.circuit.create", "network.maintenance.create"]
    device_record = records[2]
    assert device_record.tenant_finess == tenant.finess and device_record.before is None
    assert device_record.after["credential_ref"] == "env:SOCLE_SECRET_NETWORK_CE_PASSWORD"
    assert all(r.actor.startswith("test-network-engineer") for r in records)
    everything = json.dumps([[r.before, r.after] for r in records]) + json.dumps(
        [client.get(f"{NET}/{p}", headers=headers).json() for p in ("devices", "circuits")])
    assert SECRET not in everything


def _bad_inputs(net: NetworkFactory, tenant: Tenant) -> list[tuple[str, dict[str, Any], str, str]]:
    """(path, body, field named, message fragment) for every rule of the inventory."""
    mpls, thd = net.provider("MPLS"), net.provider("THD")
    site, other_site = net.site(tenant), net.site(tenant)
    ce, other_ce, pe = net.device(site), net.device(other_site), net.device()
    site_body = {"tenant": tenant.finess, "code": "S-NEW", "name": "n", "address": "a",
                 "access": "MPLS"}
    device_body = {"hostname": "ce-new", "role": "CE", "platform": "cisco_ios",
                   "site": site.code, "mgmt_address": "192.0.2.10", "username": "socle",
                   "credential_ref": "env:SOCLE_SECRET_NETWORK_CE_SECRET"}
    circuit_body = {"ref": "NEW", "provider": mpls.name, "site": site.code,
                    "bandwidth_mbps": 100, "committed_mbps": 50}
    window = {"circuit": None, "provider": mpls.name, "reason": "r",
              "starts_at": "2026-12-01T22:00:00Z", "ends_at": "2026-12-02T02:00:00Z"}
    return [
        ("providers", {"name": "x", "kind": "ADSL", "contract_ref": "c"}, "kind", ""),
        ("providers", {"name": "x", "kind": "THD", "contract_ref": "c",
                       "contacts": [{"name": "n", "email": "nope"}]}, "contacts.0.email", "e-mail"),
        ("sites", {**site_body, "tenant": "690000001"}, "tenant", "check key"),
        ("sites", {**site_body, "tenant": "750712184"}, "tenant", "no tenant 750712184"),
        ("sites", {**site_body, "department": "20"}, "department", "unknown department"),
        ("sites", {**site_body, "code": "bad code!"}, "code", "letters"),
        ("sites", {**site_body, "access": "ADSL"}, "access", ""),
        ("sites", {**site_body, "service_class": "platinum"}, "service_class", ""),
        ("sites", {**site_body, "extra": 1}, "extra", ""),
        ("devices", {**device_body, "platform": "cisco_nxos"}, "platform", ""),
        ("devices", {**device_body, "credential_ref": "hunter2"}, "credential_ref",
         "never the secret"),
        ("devices", {**device_body, "credential_ref": "file:../etc/shadow"}, "credential_ref", ""),
        ("devices", {**device_body, "mgmt_address": "192.0.2.300"}, "mgmt_address", "not an IPv4"),
        ("devices", {**device_body, "mgmt_port": 70000}, "mgmt_port", ""),
        ("devices", {**device_body, "hostname": "bad host"}, "hostname", "labels"),
        ("devices", {**device_body, "asn": 0}, "asn", "between 1 and"),
        ("devices", {**device_body, "asn": 23456}, "asn", "AS_TRANS"),
        ("devices", {**device_body, "site": None}, "site", "belongs to a site"),
        ("devices", {**device_body, "role": "PE"}, "site", "no site"),
        ("devices", {**device_body, "site": "S-NOPE"}, "site", "no site S-NOPE"),
        ("circuits", {**circuit_body, "committed_mbps": 101}, "committed_mbps", "exceeds"),
        ("circuits", {**circuit_body, "bandwidth_mbps": 0}, "bandwidth_mbps", ""),
        ("circuits", {**circuit_body, "vlan": 4095}, "vlan", ""),
        ("circuits", {**circuit_body, "vlan": 0}, "vlan", ""),
        ("circuits", {**circuit_body, "provider": thd.name}, "provider", "sells THD"),
        ("circuits", {**circuit_body, "provider": "nobody"}, "provider", "no provider"),
        ("circuits", {**circuit_body, "a_device": pe.hostname}, "a_device", "needs a CE"),
        ("circuits", {**circuit_body, "a_device": other_ce.hostname}, "a_device", "not at site"),
        ("circuits", {**circuit_body, "z_device": ce.hostname}, "z_device", "needs a PE"),
        ("circuits", {**circuit_body, "a_device": ce.hostname, "a_interface": "ge-0/0/1"},
         "a_interface", "not a cisco_ios interface"),
        ("circuits", {**circuit_body, "z_interface": "ge-0/0/1"}, "z_interface",
         "needs the device"),
        ("circuits", {**circuit_body, "cos_profile": "gold"}, "cos_profile", ""),
        ("maintenances", {**window, "ends_at": "2026-12-01T21:00:00Z"}, "ends_at", "ends after"),
        ("maintenances", {**window, "starts_at": "2026-12-01T22:00:00"}, "starts_at", "time zone"),
        ("maintenances", {**window, "circuit": "X"}, "provider", "not both"),
        ("maintenances", {**window, "provider": None}, "provider", "nor neither"),
        ("maintenances", {**window, "provider": "nobody"}, "provider", "no provider"),
    ]


def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    cases = _bad_inputs(net, make_tenant())
    headers = auth("gcs-operator")
    before = _rows(database)
    for path, body, field, message in cases:
        answer = client.post(f"{NET}/{path}", json=body, headers=headers)
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert any(e["field"] == field and message in e["message"]
                   for e in answer.json()["errors"]), (field, answer.json())
    assert _rows(database) == before


def test_duplicates_are_409_and_write_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    circuit = net.circuit(tenant, a_device=None)
    site = net.site(tenant)
    ce = net.device(site)
    headers = auth("gcs-operator")
    before = _rows(database)
    cases = [
        ("providers", {"name": circuit.provider, "kind": "MPLS", "contract_ref": "c"}, "name"),
        ("sites", {"tenant": tenant.finess, "code": site.code.lower(), "name": "n",
                   "address": "a", "access": "THD"}, "code"),
        ("devices", {"hostname": ce.hostname.upper(), "role": "PE", "platform": "arista_eos",
                     "mgmt_address": "::1", "username": "u",
                     "credential_ref": "env:SOCLE_SECRET_NETWORK_X"},
         "hostname"),
        ("circuits", {"ref": circuit.ref, "provider": circuit.provider, "site": site.code,
                      "bandwidth_mbps": 1, "committed_mbps": 1}, "ref"),
    ]
    for path, body, field in cases:
        answer = client.post(f"{NET}/{path}", json=body, headers=headers)
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["errors"][0]["field"] == field
        assert "already exists" in answer.json()["detail"]
    assert _rows(database) == before


def test_lists_filter_and_paginate(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    lyon, grenoble = make_tenant(department="69"), make_tenant(department="38")
    mpls, thd = net.provider("MPLS"), net.provider("THD")
    lyon_sites = [net.site(lyon, access="MPLS") for _ in range(3)]
    grenoble_site = net.site(grenoble, access="THD", department="73")
    net.device(lyon_sites[0], platform="juniper_junos")
    net.device(grenoble_site)
    net.device()
    lyon_circuit = net.circuit(lyon, provider=mpls, site=lyon_sites[0])
    grenoble_circuit = net.circuit(grenoble, provider=thd, site=grenoble_site, status="active")
    early = net.maintenance(provider=thd)
    net.maintenance(circuit=grenoble_circuit, starts_at=early.starts_at + timedelta(hours=1))
    net.maintenance(circuit=lyon_circuit, starts_at=early.starts_at + timedelta(hours=2))
    headers = auth("auditor")

    def listing(query: str) -> dict[str, Any]:
        answer = client.get(f"{NET}/{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert listing(f"sites?tenant={lyon.finess}")["total"] == 3
    assert [s["code"] for s in listing("sites?department=73")["items"]] == [grenoble_site.code]
    assert listing("sites?access=THD")["total"] == 1
    page = listing("sites?limit=2&offset=1")
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (4, 2, 2, 1)
    assert listing("devices?role=PE")["total"] == 1
    assert listing("devices?platform=juniper_junos")["items"][0]["site"] == lyon_sites[0].code
    assert listing(f"devices?site={grenoble_site.code.lower()}")["total"] == 1
    assert listing(f"devices?tenant={grenoble.finess}")["total"] == 1
    assert listing(f"circuits?provider={thd.name}")["items"][0]["tenant"] == grenoble.finess
    assert listing("circuits?access=MPLS&status=planned")["total"] == 1
    assert listing(f"circuits?tenant={lyon.finess}&access=THD")["total"] == 0
    assert listing("providers?kind=THD")["items"][0]["name"] == thd.name
    assert listing(f"maintenances?provider={thd.name}")["total"] == 2  # its own + its circuit's
    assert listing(f"maintenances?tenant={lyon.finess}")["total"] == 1
    assert listing(f"maintenances?circuit={lyon_circuit.ref}")["total"] == 1
    assert listing("maintenances?at=2026-12-02T00:30:00Z")["total"] == 3
    assert listing("maintenances?at=2026-12-02T02:30:00Z")["total"] == 2  # the first has ended
    assert listing("maintenances")["items"][0]["id"] == early.id
    assert client.get(f"{NET}/sites?limit=0", headers=headers).status_code == 422


def test_an_establishment_sees_only_its_own_network(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    own, other = make_tenant(), make_tenant()
    pe = net.device()
    mine = net.circuit(own)
    theirs = net.circuit(other)
    own_site, other_site = net.site(own), net.site(other)
    own_ce, other_ce = net.device(own_site), net.device(other_site)
    own_window, other_window = net.maintenance(circuit=mine), net.maintenance(circuit=theirs)
    regional_window = net.maintenance(provider=net.provider())
    headers = auth("establishment", own)

    def total(path: str) -> int:
        return client.get(f"{NET}/{path}", headers=headers).json()["total"]

    assert total("sites") == 2 and total(f"sites?tenant={other.finess}") == 0
    assert total("devices") == 1 and total("circuits") == 1
    assert total("maintenances") == 2  # its circuit's window and the provider-wide one
    assert total("providers") == 3  # regional: everyone may read them
    for path, visible, hidden in [
        ("sites", own_site.id, other_site.id), ("devices", own_ce.id, other_ce.id),
        ("circuits", mine.id, theirs.id), ("maintenances", own_window.id, other_window.id),
    ]:
        assert client.get(f"{NET}/{path}/{visible}", headers=headers).status_code == 200
        hidden_answer = client.get(f"{NET}/{path}/{hidden}", headers=headers)
        assert hidden_answer.status_code == 404, path
        missing = client.get(f"{NET}/{path}/999999", headers=headers)
        assert hidden_answer.json()["detail"].replace(str(hidden), "999999") == \
            missing.json()["detail"]
    assert client.get(f"{NET}/devices/{pe.id}", headers=headers).status_code == 404
    regional = client.get(f"{NET}/maintenances/{regional_window.id}", headers=headers)
    assert regional.status_code == 200  # provider-wide windows are regional facts
    assert client.delete(f"{NET}/maintenances/{regional_window.id}",
                         headers=headers).status_code in (403, 405)


def test_an_establishment_does_not_see_the_pe_behind_its_circuit(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    site = net.site(tenant)
    ce, pe = net.device(site), net.device()
    circuit = net.circuit(tenant, site=site, a_device=ce.hostname, z_device=pe.hostname)
    as_operator = client.get(f"{NET}/circuits/{circuit.id}", headers=auth("gcs-operator")).json()
    as_tenant = client.get(f"{NET}/circuits/{circuit.id}", headers=auth("establishment", tenant))
    assert as_operator["z_device"] == pe.hostname
    assert as_tenant.json()["a_device"] == ce.hostname and as_tenant.json()["z_device"] is None


Seeder = Callable[[NetworkFactory, Tenant], object]
SEEDERS: dict[str, Seeder] = {
    "providers": lambda net, t: net.provider(),
    "sites": lambda net, t: net.site(t),
    "devices": lambda net, t: net.device(net.site(t)),
    "circuits": lambda net, t: net.circuit(
        t, a_device=None, z_device=net.device().hostname),
    "maintenances": lambda net, t: net.maintenance(t),
    "vrfs": lambda net, t: net.vrf(t),
    "pools": lambda net, t: net.pool(),
    "prefixes": lambda net, t: net.prefix(t),
}
EXPECTED_QUERIES = 3  # token lookup + count + page (relations are joined in the page query)


@pytest.mark.parametrize("path", sorted(SEEDERS))
def test_list_query_count_is_pinned(
    path: str, client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    database: Database, net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    counts = []
    for role, n in [("gcs-operator", 1), ("gcs-operator", 5), ("establishment", 0)]:
        for _ in range(n):
            SEEDERS[path](net, tenant)
        headers = auth(role, tenant if role == "establishment" else None)
        with count_queries(database.engine, database.read_engine) as statements:
            answer = client.get(f"{NET}/{path}", headers=headers)
        assert answer.status_code == 200 and answer.json()["total"] >= 1, answer.text
        counts.append(len(statements))
    assert counts == [EXPECTED_QUERIES] * 3, counts
