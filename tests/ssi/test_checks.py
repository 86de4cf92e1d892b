"""Technical checks against real servers on loopback: a TLS server whose certificate
expires in 10 days (and one still accepting TLS 1.0/1.1), a Debian sshd offering
passwords and weak algorithms and one hardened; then the whole path: endpoints declared,
checks run as a job, results stored with their date, the CaRE Internet-exposure item
turning met, not met, then expired; and the CLI. The peers listen on loopback, which the
checks refuse by default: these tests allow it (``loopback_targets``); the refusal
itself is tested in test_check_addresses.py."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

import network
from controlplane import jobs
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.inventory.schemas import DeviceCreate, DeviceRead
from ssi.checks import ports, ssh, tls
from ssi.checks.findings import Severity
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory
from tests.ssi.conftest import LOOPBACK, AllowPrivateTargets
from tests.support.sshd import SshServer, running_sshd
from tests.support.tls_server import TlsServer, running_tls_server

SSI = "/api/v1/ssi"


@pytest.fixture(scope="module")
def expiring_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    with running_tls_server(tmp_path_factory.mktemp("tls"), valid_days=10) as server:
        yield server


@pytest.fixture(scope="module")
def weak_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd"), password_authentication=True,
                      weak_algorithms=True) as server:
        yield server


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_tls_versions_and_certificate_expiry(
    expiring_tls: TlsServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    report = tls.probe(expiring_tls.host, expiring_tls.port)
    assert report.accepted == ["TLSv1.2", "TLSv1.3"]
    assert report.subject == "CN=portail.test" and report.not_after == expiring_tls.not_after
    [finding] = tls.findings(report, now)
    assert finding.severity is Severity.MEDIUM and "certificat expirant" in finding.message
    expired = tls.findings(report, expiring_tls.not_after + timedelta(hours=1))
    assert [f.severity for f in expired] == [Severity.HIGH] and "expiré" in expired[0].message

    with running_tls_server(tmp_path / "old", valid_days=400,
                            minimum_version=ssl.TLSVersion.TLSv1) as old:
        permissive = tls.probe(old.host, old.port)
    assert permissive.accepted[:2] == ["TLSv1.0", "TLSv1.1"]
    assert [f.message for f in tls.findings(permissive, now)] == [
        "TLSv1.0 (obsolète) accepté", "TLSv1.1 (obsolète) accepté"]

    nothing = tls.probe("127.0.0.1", closed_port(), timeout=1)
    assert nothing.accepted == [] and "aucune négociation" in tls.findings(nothing, now)[0].message


def test_ssh_settings(weak_sshd: SshServer, tmp_path: Path) -> None:
    report = ssh.probe(weak_sshd.host, weak_sshd.port)
    assert report.banner.startswith("SSH-2.0-OpenSSH")
    assert "password" in report.auth_methods and "publickey" in report.auth_methods
    assert {"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"} <= set(report.kex)
    assert {"aes128-cbc", "aes256-cbc"} <= set(report.ciphers)
    found = {f.message.split(" :")[0].split(" (")[0]: f.severity for f in ssh.findings(report)}
    assert found["authentification par mot de passe proposée"] is Severity.HIGH
    assert found["échanges de clés faibles proposés"] is Severity.MEDIUM
    assert found["chiffrements faibles proposés"] is Severity.MEDIUM

    with running_sshd(tmp_path / "hardened") as hardened:
        clean = ssh.probe(hardened.host, hardened.port)
    assert clean.auth_methods == ["publickey"]
    assert not any(name.endswith("-cbc") for name in clean.ciphers)
    assert {f.severity for f in ssh.findings(clean)} <= {Severity.INFO}


def test_port_scan(expiring_tls: TlsServer) -> None:
    shut = closed_port()
    assert ports.scan("127.0.0.1", [shut, expiring_tls.port], timeout=1) == [expiring_tls.port]
    assert ports.findings([expiring_tls.port], allowed=[expiring_tls.port]) == []
    [exposed] = ports.findings([expiring_tls.port], allowed=[])
    assert exposed.port == expiring_tls.port and exposed.severity is Severity.MEDIUM


def d1e2(client: TestClient, headers: dict[str, str], tenant: Tenant,
         at: datetime | None = None) -> dict[str, object]:
    params = {"framework": "care-d1", **({"at": at.isoformat()} if at else {})}
    answer = client.get(f"{SSI}/tenants/{tenant.finess}/indicators", headers=headers,
                        params=params)
    assert answer.status_code == 200, answer.text
    return next(item for item in answer.json()["items"] if item["id"] == "D1.E2")


def test_checks_become_evidence_through_the_api(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    expiring_tls: TlsServer, weak_sshd: SshServer, loopback_targets: None,
) -> None:
    tenant, other = make_tenant(), make_tenant()
    own, rssi = auth(Role.ESTABLISHMENT, tenant), auth(Role.RSSI)
    targets = f"{SSI}/tenants/{tenant.finess}/check-targets"
    checks = f"{SSI}/tenants/{tenant.finess}/checks"

    assert d1e2(client, own, tenant)["status"] == "unknown"  # nothing checked: never met
    good = {"name": "portail", "host": "127.0.0.1", "ports": [expiring_tls.port],
            "expected_open": [expiring_tls.port]}
    created = client.post(targets, headers=own, json=good)
    assert created.status_code == 201, created.text
    assert created.json()["tenant"] == tenant.finess
    assert client.post(targets, headers=own, json=good).status_code == 409
    for bad, field in (({**good, "name": "x", "host": "not a host!"}, "host"),
                       ({**good, "name": "y", "ports": [70000]}, "ports"),
                       ({"name": "z", "host": "10.0.0.1"}, "body")):
        refused = client.post(targets, headers=own, json=bad)
        assert refused.status_code == 422 and field in refused.text, refused.text
    assert client.get(targets, headers=own).json()["total"] == 1

    # running checks is for the RSSI; an establishment may not, another tenant sees nothing
    assert client.post(checks, headers=own, json={}).status_code == 403
    assert client.post(checks, headers=rssi, json={"targets": ["nope"]}).status_code == 422
    accepted = client.post(checks, headers=rssi, json={})
    assert accepted.status_code == 202, accepted.text
    assert jobs.Worker(database).run_once() == accepted.json()["job"]["id"]
    [result] = client.get(checks, headers=own).json()["items"]
    assert result["passed"] is True and result["open_ports"] == [expiring_tls.port]
    met = d1e2(client, own, tenant)
    assert (met["status"], met["basis"]) == ("met", "automatic")
    [auto] = met["automatic"]
    assert auto["source"] == f"ssi.check_result#{result['id']}"
    checked_at = datetime.fromisoformat(auto["observed_at"])

    exposed = {"name": "bastion", "host": "127.0.0.1", "tls_ports": [expiring_tls.port],
               "ssh_ports": [weak_sshd.port]}
    assert client.post(targets, headers=own, json=exposed).status_code == 201
    client.post(checks, headers=rssi, json={"targets": ["bastion"]})
    jobs.Worker(database).run_once()
    latest = client.get(checks, headers=own, params={"target": "bastion"}).json()["items"][0]
    messages = [f["message"] for f in latest["findings"]]
    assert latest["passed"] is False
    assert any("certificat expirant" in m for m in messages)
    assert any("mot de passe" in m for m in messages)
    assert latest["tls"][0]["accepted"] == ["TLSv1.2", "TLSv1.3"]
    assert "password" in latest["ssh"][0]["auth_methods"]
    failed = d1e2(client, own, tenant)
    assert failed["status"] == "not_met"
    assert "1 en échec" in failed["automatic"][0]["detail"]

    # 91 days after the oldest latest check, the evidence has expired
    assert d1e2(client, own, tenant, checked_at + timedelta(days=91))["status"] == "expired"

    export = client.get(checks, headers=own, params={"format": "csv"})
    assert export.status_code == 200 and "mot de passe" in export.content.decode("utf-8-sig")
    stranger = auth(Role.ESTABLISHMENT, other)
    assert client.get(checks, headers=stranger).status_code == 404
    assert client.post(targets, headers=stranger, json=good).status_code == 404


def test_routers_known_to_the_network_plane_are_checked(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    weak_sshd: SshServer, allow_private_targets: AllowPrivateTargets,
) -> None:
    tenant = make_tenant()
    net = NetworkFactory(database)
    site = net.site(tenant)
    with database.transaction(scope=Scope.unrestricted()) as db:
        router = DeviceRead.model_validate(network.create_device(db, DeviceCreate(
            hostname=f"ce-ssi-{tenant.finess}", role="CE", platform="cisco_ios", site=site.code,
            mgmt_address="127.0.0.1", mgmt_port=weak_sshd.port, username="socle",
            credential_ref="env:SOCLE_SECRET_NETWORK_TEST"), actor="tests"))
    rssi = auth(Role.RSSI)
    discover = f"{SSI}/tenants/{tenant.finess}/check-targets/discover"
    assert client.post(discover, headers=auth(Role.ESTABLISHMENT, tenant)).status_code == 403
    # a management address on loopback is not public: not declared unless allowed
    assert client.post(discover, headers=rssi).json() == []
    allow_private_targets(LOOPBACK)
    [target] = client.post(discover, headers=rssi).json()
    assert target["name"] == f"router-{router.hostname}" and target["host"] == "127.0.0.1"
    assert target["ssh_ports"] == target["expected_open"] == [weak_sshd.port]
    assert 23 in target["ports"] and weak_sshd.port in target["ports"]
    assert client.post(discover, headers=rssi).json() == []  # already declared

    started = client.post(f"{SSI}/tenants/{tenant.finess}/checks", headers=rssi, json={})
    assert jobs.Worker(database).run_once() == started.json()["job"]["id"]
    [result] = client.get(f"{SSI}/tenants/{tenant.finess}/checks", headers=rssi
                          ).json()["items"]
    assert weak_sshd.port in result["open_ports"] and result["passed"] is False
    messages = [f["message"] for f in result["findings"]]
    assert any("mot de passe" in m for m in messages)
    assert not any(f"port {weak_sshd.port} ouvert" in m for m in messages)


def test_cli(
    database: Database, make_tenant: TenantFactory, expiring_tls: TlsServer, tmp_path: Path,
    loopback_targets: None,
) -> None:
    runner = CliRunner()
    tenant = make_tenant()
    added = runner.invoke(cli, ["ssi", "check", "add", tenant.finess, "web", "--host",
                                "127.0.0.1", "--tls", str(expiring_tls.port), "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["tls_ports"] == [expiring_tls.port]
    discovered = runner.invoke(cli, ["ssi", "check", "discover", tenant.finess])
    assert discovered.exit_code == 0 and "0 endpoint(s)" in discovered.output
    listed = runner.invoke(cli, ["ssi", "check", "targets", tenant.finess, "--json"])
    assert [t["name"] for t in json.loads(listed.stdout)] == ["web"]
    ran = runner.invoke(cli, ["ssi", "check", "run", tenant.finess, "--here"])
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output
    results = runner.invoke(cli, ["ssi", "check", "results", tenant.finess, "--json"])
    [result] = json.loads(results.stdout)
    assert result["passed"] is False and "certificat expirant" in result["findings"][0]["message"]
    shown = runner.invoke(cli, ["ssi", "indicators", "show", tenant.finess, "--framework",
                                "care-d1", "--json"])
    items = {i["id"]: i for i in json.loads(shown.stdout)["items"]}
    assert items["D1.E2"]["status"] == "not_met"
    declared = runner.invoke(cli, ["ssi", "indicators", "declare", tenant.finess, "care-d1",
                                   "D1.E1", "oui", "--note", "inventaire 2026"])
    assert declared.exit_code == 0, declared.output
    heatmap = runner.invoke(cli, ["ssi", "regional", "heatmap", "--framework", "care-d1",
                                  "--json"])
    row = next(r for r in json.loads(heatmap.stdout)["items"] if r["finess"] == tenant.finess)
    assert row["cells"] == ["met", "not_met"]
    exported = runner.invoke(cli, ["ssi", "regional", "heatmap", "--framework", "care-d1",
                                   "--export", str(tmp_path / "carte.xlsx")])
    assert exported.exit_code == 0, exported.output
    sheet = load_workbook(tmp_path / "carte.xlsx").active
    [line] = [[c.value for c in r] for r in sheet.iter_rows() if r[0].value == tenant.finess]
    assert line[3:] == ["non", "atteint", "non atteint"]
    wrong = runner.invoke(cli, ["ssi", "indicators", "show", tenant.finess, "--export",
                                str(tmp_path / "suivi.docx")])
    assert wrong.exit_code == 2 and "export" in wrong.output
    bad = runner.invoke(cli, ["ssi", "check", "add", tenant.finess, "x", "--host", "bad host"])
    assert bad.exit_code == 2 and "host" in bad.output
    private = runner.invoke(cli, ["ssi", "check", "add", tenant.finess, "x", "--host",
                                  "10.0.0.1", "--port", "22"])
    assert private.exit_code == 2 and "SSI-0704" in private.output, private.output
    assert "private" in private.output
