"""Changing and removing inventory objects through the API and the CLI: the change is
audited with before and after; a bad field is a 422 naming it and writes nothing; a
removal while something still refers to the object is a 409 listing it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Base, Database, Scope
from controlplane.models import AuditRecord
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

NET = "/api/v1/network"


@pytest.fixture
def net(database: Database) -> NetworkFactory:
    return NetworkFactory(database)


def _rows(database: Database) -> dict[str, int]:
    """Rows in every network table, and audit records (to prove nothing was written)."""
    tables = [t for name, t in Base.metadata.tables.items() if name.startswith("network_")]
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        counts = {t.name: db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
        counts["audit"] = db.scalar(select(func.count()).select_from(AuditRecord)) or 0
    return counts


def _last_audit(database: Database) -> AuditRecord:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        record = db.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).one()
        db.expunge(record)
        return record


def test_patch_changes_what_is_given_and_audits_before_and_after(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    tenant = make_tenant(department="69")
    headers = auth("network-engineer")
    site = net.site(tenant)
    device = net.device(site, platform="cisco_ios")
    provider = net.provider()
    circuit = net.circuit(tenant, provider=provider, site=site, a_device=device.hostname,
                          a_interface="GigabitEthernet0/1")

    def patch(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.patch(f"{NET}/{path}", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    changed = patch(f"sites/{site.id}", {"name": "CHU Nord", "service_class": "gold",
                                         "department": "38"})
    assert (changed["name"], changed["service_class"], changed["department"]) == (
        "CHU Nord", "gold", "38")
    assert changed["address"] == site.address and changed["code"] == site.code
    record = _last_audit(database)
    assert record.action == "network.site.update" and record.tenant_finess == tenant.finess
    assert record.before is not None and record.after is not None
    assert (record.before["name"], record.after["name"]) == (site.name, "CHU Nord")

    moved = patch(f"devices/{device.id}", {"mgmt_address": "2001:db8::9", "mgmt_port": 2222,
                                           "asn": 65123, "lan_interface": "Gi0/2"})
    assert (moved["mgmt_address"], moved["mgmt_port"], moved["asn"]) == ("2001:db8::9", 2222,
                                                                          65123)
    assert patch(f"devices/{device.id}", {"asn": None})["asn"] is None  # nullable: cleared

    upgraded = patch(f"circuits/{circuit.id}", {"bandwidth_mbps": 1000, "committed_mbps": 500,
                                                "status": "active", "vlan": 42})
    assert (upgraded["bandwidth_mbps"], upgraded["committed_mbps"], upgraded["status"],
            upgraded["vlan"]) == (1000, 500, "active", 42)
    vrf = net.vrf(tenant)
    assert patch(f"circuits/{circuit.id}", {"vrf": vrf.name})["vrf"] == vrf.name
    assert patch(f"circuits/{circuit.id}", {"vrf": None})["vrf"] is None

    renamed = patch(f"providers/{provider.id}", {
        "name": "Opérateur renommé", "contacts": [{"name": "NOC", "email": "noc@op.invalid"}]})
    assert renamed["name"] == "Opérateur renommé"
    assert [(c["name"], c["email"]) for c in renamed["contacts"]] == [("NOC", "noc@op.invalid")]
    assert client.get(f"{NET}/circuits/{circuit.id}", headers=headers).json()["provider"] == (
        "Opérateur renommé")

    window = net.maintenance(tenant)
    longer = patch(f"maintenances/{window.id}", {"ends_at": "2026-12-02T06:00:00+01:00",
                                                 "reason": "fibre splice"})
    assert longer["ends_at"].startswith("2026-12-02T05:00") and longer["reason"] == "fibre splice"
    assert longer["starts_at"].startswith("2026-12-01T22:00")  # not given: kept

    renumbered = patch(f"vrfs/{vrf.id}", {"route_target": "65010:4242", "rd": "65010:4243"})
    assert (renumbered["rd"], renumbered["route_target"]) == ("65010:4243", "65010:4242")
    assert "65010:4242" in renumbered["export_targets"]
    assert vrf.route_target not in renumbered["export_targets"] + renumbered["import_targets"]


BAD_CHANGES: list[tuple[str, dict[str, Any], str | None, int]] = [
    ("sites", {}, None, 422),
    ("sites", {"name": None}, "name", 422),
    ("sites", {"code": "NEW-CODE"}, "code", 422),  # natural keys never change
    ("sites", {"department": "99"}, "department", 422),
    ("devices", {"lan_interface": "ge-0/0/1"}, "lan_interface", 422),  # Junos name on IOS
    ("devices", {"platform": "juniper_junos"}, "platform", 422),  # its circuit port is IOS
    ("devices", {"credential_ref": "hunter2"}, "credential_ref", 422),
    ("devices", {"mgmt_address": "10.0.0.300"}, "mgmt_address", 422),
    ("circuits", {"committed_mbps": 150}, "committed_mbps", 422),  # > bandwidth 100
    ("circuits", {"bandwidth_mbps": 10}, "bandwidth_mbps", 422),  # < committed 20
    ("circuits", {"z_interface": "Gi0/1"}, "z_interface", 422),  # no Z device
    ("circuits", {"vrf": "NO-SUCH-VRF"}, "vrf", 422),
    ("circuits", {"vrf": "THEIRS"}, "vrf", 422),  # another tenant's VRF
    ("circuits", {"vlan": 5000}, "vlan", 422),
    ("maintenances", {"ends_at": "2026-12-01T21:00:00Z"}, "ends_at", 422),
    ("maintenances", {"starts_at": "2026-12-02T05:00:00Z"}, "starts_at", 422),
    ("providers", {"name": "TAKEN"}, "name", 409),
    ("vrfs", {"rd": "TAKEN"}, "rd", 409),
    ("vrfs", {"route_target": "65010:1"}, "route_target", 409),  # the hub's: reserved
]


def test_bad_changes_name_the_field_and_write_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    site = net.site(tenant)
    device = net.device(site, platform="cisco_ios")
    circuit = net.circuit(tenant, site=site, a_device=device.hostname,
                          a_interface="GigabitEthernet0/1")
    theirs = net.vrf(make_tenant())
    ids = {"sites": site.id, "devices": device.id, "circuits": circuit.id,
           "maintenances": net.maintenance(circuit=circuit).id,
           "providers": net.provider().id, "vrfs": net.vrf(tenant).id}
    taken = {"name": net.provider().name, "rd": theirs.rd, "vrf": theirs.name}
    headers = auth("gcs-operator")
    before = _rows(database)
    for path, body, field, status in BAD_CHANGES:
        body = {k: taken[k] if v in ("TAKEN", "THEIRS") else v for k, v in body.items()}
        answer = client.patch(f"{NET}/{path}/{ids[path]}", json=body, headers=headers)
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if field is not None:
            problem = answer.json()
            named = [e["field"] for e in problem.get("errors", [])]
            assert any(field in n for n in named) or field in problem["detail"], (body, problem)
    assert _rows(database) == before


def test_delete_refuses_while_referenced_then_removes_and_audits(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    headers = auth("network-engineer")
    provider = net.provider()
    site = net.site(tenant, access=provider.kind)
    device = net.device(site)
    circuit = net.circuit(tenant, provider=provider, site=site, a_device=device.hostname)
    window = net.maintenance(circuit=circuit)

    before = _rows(database)
    for path, ident, table in (("providers", provider.id, "network_circuits"),
                               ("sites", site.id, "network_devices"),
                               ("devices", device.id, "network_circuits"),
                               ("circuits", circuit.id, "network_maintenances")):
        answer = client.delete(f"{NET}/{path}/{ident}", headers=headers)
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "NET-0004" if "code" in answer.json() else True
        assert table in answer.json()["detail"], answer.json()
    assert _rows(database) == before

    for path, ident in (("maintenances", window.id), ("circuits", circuit.id),
                        ("devices", device.id), ("sites", site.id), ("providers", provider.id)):
        answer = client.delete(f"{NET}/{path}/{ident}", headers=headers)
        assert answer.status_code == 204, (path, answer.text)
        assert client.get(f"{NET}/{path}/{ident}", headers=headers).status_code == 404
    record = _last_audit(database)
    assert record.action == "network.provider.delete" and record.after is None
    assert record.before is not None and record.before["name"] == provider.name
    assert client.delete(f"{NET}/providers/{provider.id}", headers=headers).status_code == 404


def test_an_establishment_cannot_change_and_another_tenant_is_not_found(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    mine, theirs = make_tenant(), make_tenant()
    site = net.site(mine)
    answer = client.patch(f"{NET}/sites/{site.id}", json={"name": "x"},
                          headers=auth("establishment", tenant=mine))
    assert answer.status_code == 403
    assert client.delete(f"{NET}/sites/{site.id}",
                         headers=auth("establishment", tenant=theirs)).status_code == 403


def test_update_and_delete_from_the_cli(
    database: Database, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    runner = CliRunner()

    def socle(*args: str, code: int = 0) -> Any:
        result = runner.invoke(cli, ["network", *args])
        assert result.exit_code == code, (args, result.output)
        return json.loads(result.stdout) if "--json" in args else result

    tenant = make_tenant()
    site = net.site(tenant)
    device = net.device(site)
    circuit = net.circuit(tenant, site=site, a_device=device.hostname)
    assert socle("site", "update", site.code.lower(), "--name", "Clinique",
                 "--service-class", "gold", "--json")["service_class"] == "gold"
    assert socle("device", "update", device.hostname, "--mgmt-port", "2022",
                 "--json")["mgmt_port"] == 2022
    changed = socle("circuit", "update", circuit.ref, "--committed", "80", "--status", "active",
                    "--json")
    assert (changed["committed_mbps"], changed["status"]) == (80, "active")
    assert "committed" in socle("circuit", "update", circuit.ref, "--committed", "500",
                                code=2).output
    assert "at least one field" in socle("site", "update", site.code, code=2).output
    assert "network_circuits" in socle("device", "delete", device.hostname, code=4).output
    socle("circuit", "delete", circuit.ref)
    socle("device", "delete", device.hostname)
    socle("site", "delete", site.code)
    socle("site", "show", site.code, code=3)
