"""The technical checks connect to public addresses only (no SSRF into the GCS's network).

An establishment (``ssi:answer``) declares the endpoints Socle scans from its own host
and reads the open ports and banners found: a loopback, private, link-local... host is
refused when declared (422, nothing stored), and vetted again when the check runs, after
resolving the name (DNS rebinding): then nothing is connected to and the result says
why. ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS`` lets a GCS allow networks on purpose.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from controlplane.settings import Settings
from ssi import schedules
from ssi.checks import addresses, probe
from ssi.checks.models import CheckTarget
from tests.conftest import TenantFactory, TokenFactory
from tests.ssi.conftest import LOOPBACK, AllowPrivateTargets

SSI = "/api/v1/ssi"
PUBLIC = ipaddress.ip_address("93.184.215.14")

NOT_PUBLIC = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("100.64.0.1", "shared"),
    ("0.0.0.0", "unspecified"),
    ("224.0.1.1", "multicast"),
    ("240.0.0.1", "private"),
    ("255.255.255.255", "private"),
    ("192.0.2.1", "private"),  # documentation
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "private"),
    ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("ff0e::1", "multicast"),
    ("2001:db8::1", "private"),
    ("2002:7f00:1::1", "6to4"),  # 6to4 of 127.0.0.1
    ("2002:a00:1::1", "6to4"),  # 6to4 of 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo"),  # Teredo client 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "nat64"),  # NAT64 of 169.254.169.254
]


@pytest.mark.parametrize(("address", "category"), NOT_PUBLIC)
def test_non_public_addresses_are_refused(address: str, category: str) -> None:
    assert addresses.refusal(ipaddress.ip_address(address)) == category
    with pytest.raises(addresses.Refused) as refused:
        addresses.vet(address)
    assert refused.value.category == category
    assert refused.value.message.startswith(addresses.PUBLIC_ONLY)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "2002:808:808::1", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert addresses.refusal(ipaddress.ip_address(address)) is None
    [vetted] = addresses.vet(address)
    assert vetted.is_global


def test_allowed_networks() -> None:
    allowed = addresses.parse_networks(" 127.0.0.0/8 , 10.20.0.0/16,::1")
    assert addresses.vet("127.0.0.1", allowed) == [ipaddress.ip_address("127.0.0.1")]
    assert addresses.vet("::ffff:127.0.0.1", allowed) == [ipaddress.ip_address("127.0.0.1")]
    assert addresses.vet("10.20.3.4", allowed) and addresses.vet("::1", allowed)
    for still_refused in ("10.21.0.1", "169.254.169.254", "192.168.0.1"):
        with pytest.raises(addresses.Refused):
            addresses.vet(still_refused, allowed)
    everything = addresses.parse_networks("0.0.0.0/0,::/0")
    for never in ("0.0.0.0", "::", "224.0.0.1"):  # "this host" and multicast, never
        with pytest.raises(addresses.Refused):
            addresses.vet(never, everything)


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Make the checks' resolver answer ``answers`` (other names do not resolve)."""

    def resolve(host: str) -> list[addresses.IPAddress]:
        if host not in answers:
            raise OSError(f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(addresses, "resolve", resolve)


def test_names_must_resolve_only_to_public_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(addresses.Refused) as refused:
        addresses.vet("localhost")  # the real resolver (/etc/hosts)
    assert refused.value.category == "loopback" and refused.value.resolved
    assert "localhost resolves to a loopback address" in refused.value.message
    assert "127.0.0.1" not in refused.value.message  # never repeat what a name resolved to

    fake_dns(monkeypatch, {"www.example.org": [str(PUBLIC)],
                           "mixed.example.org": [str(PUBLIC), "10.0.0.5"]})
    assert addresses.vet("www.example.org") == [PUBLIC]
    with pytest.raises(addresses.Refused) as mixed:
        addresses.vet("mixed.example.org")
    assert mixed.value.category == "private" and "10.0.0.5" not in mixed.value.message
    assert addresses.vet("later.example.org", unresolved_ok=True) == []
    with pytest.raises(addresses.Refused) as unresolved:
        addresses.vet("later.example.org")
    assert unresolved.value.category is None and "ne se résout pas" in unresolved.value.finding


def test_the_setting_takes_networks(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.ssi_checks_allow_private_targets == ""  # default: public only
    monkeypatch.setenv("SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS", " 127.0.0.0/8, ::1 ,")
    assert Settings().ssi_checks_allow_private_targets == "127.0.0.0/8,::1/128"
    for wrong in ("10.0.0.1/8", "localhost", "10.0.0.0/33"):
        monkeypatch.setenv("SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS", wrong)
        with pytest.raises(ValidationError, match="ssi_checks_allow_private_targets"):
            Settings()


# -- through the API: an establishment declaring its endpoints ------------------------


def declare(client: TestClient, headers: dict[str, str], tenant: Tenant, host: str,
            name: str = "cible", **ports: list[int]) -> tuple[int, dict[str, object]]:
    answer = client.post(f"{SSI}/tenants/{tenant.finess}/check-targets", headers=headers,
                         json={"name": name, "host": host, "ports": [5432, 8000], **ports})
    return answer.status_code, answer.json()


REFUSED_AT_THE_EDGE = [
    ("127.0.0.1", "127.0.0.1 is a loopback address"),
    ("10.12.0.7", "10.12.0.7 is a private or special-purpose address"),
    ("169.254.169.254", "169.254.169.254 is a link-local address"),
    ("::1", "::1 is a loopback address"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1 is a loopback address"),
    ("0.0.0.0", "0.0.0.0 is an unspecified address"),
    ("2002:7f00:1::1", "2002:7f00:1::1 is a 6to4 address embedding a non-public IPv4"),
    ("localhost", "localhost resolves to a loopback address"),
]


def test_an_establishment_cannot_declare_a_non_public_host(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant()
    own = auth(Role.ESTABLISHMENT, tenant)
    for host, message in REFUSED_AT_THE_EDGE:
        status, problem = declare(client, own, tenant, host)
        assert status == 422, (host, problem)
        assert problem["code"] == "SSI-0704"
        assert addresses.PUBLIC_ONLY in str(problem["detail"])
        assert message in str(problem["detail"]), problem
        assert [e["field"] for e in problem["errors"]] == ["host"]  # type: ignore[index,union-attr]
    listed = client.get(f"{SSI}/tenants/{tenant.finess}/check-targets", headers=own).json()
    assert listed["total"] == 0  # nothing stored
    # an operator is refused too: the rule is about where Socle connects, not who asks
    assert declare(client, auth(Role.GCS_OPERATOR), tenant, "10.12.0.7")[0] == 422
    # a public address is the product
    assert declare(client, own, tenant, "8.8.8.8")[0] == 201


def test_allowed_networks_can_be_declared(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    allow_private_targets: AllowPrivateTargets,
) -> None:
    tenant = make_tenant()
    own = auth(Role.ESTABLISHMENT, tenant)
    allow_private_targets(LOOPBACK)
    for number, host in enumerate(["127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"]):
        status, created = declare(client, own, tenant, host, name=f"loop{number}")
        assert status == 201, created
    for host in ("10.12.0.7", "169.254.169.254", "0.0.0.0"):  # not in the allow-list
        assert declare(client, own, tenant, host, name="other")[0] == 422
    allow_private_targets("10.12.0.0/16")  # e.g. the GCS's DMZ
    assert declare(client, own, tenant, "10.12.0.7", name="dmz")[0] == 201
    assert declare(client, own, tenant, "127.0.0.1", name="loop")[0] == 422


# -- when the check runs: vetted again after resolution (DNS rebinding) ----------------


@dataclass
class Listener:
    """A loopback TCP port that records every connection it accepts (and closes it)."""

    port: int
    connections: list[tuple[str, int]] = field(default_factory=list)


@contextmanager
def recording_listener() -> Iterator[Listener]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.1)
    listener = Listener(server.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            listener.connections.append(peer)
            with suppress(OSError):
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with recording_listener() as recording:
        yield recording


RunChecks = Callable[[], list[dict[str, object]]]


def run_checks(client: TestClient, database: Database, auth: TokenFactory,
               tenant: Tenant) -> list[dict[str, object]]:
    """Run the tenant's checks as the daily ``ssi.checks`` schedule does; the results."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        [job] = [j for j in schedules.checks(db, now=datetime.now(UTC))
                 if j.tenant_id == tenant.id]
        job_id = job.id
    assert jobs.Worker(database).run_once() == job_id
    answer = client.get(f"{SSI}/tenants/{tenant.finess}/checks",
                        headers=auth(Role.ESTABLISHMENT, tenant))
    return list(answer.json()["items"])


def test_a_name_rebound_to_loopback_is_not_connected_to(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    listener: Listener, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = make_tenant()
    own = auth(Role.ESTABLISHMENT, tenant)
    port = listener.port
    fake_dns(monkeypatch, {"portail.example.org": [str(PUBLIC)]})
    status, created = declare(client, own, tenant, "portail.example.org", ports=[port, 5432],
                              tls_ports=[port], ssh_ports=[port])
    assert status == 201, created

    fake_dns(monkeypatch, {"portail.example.org": ["127.0.0.1"]})  # re-pointed since
    [result] = run_checks(client, database, auth, tenant)
    assert listener.connections == []  # not one connection to the loopback listener
    assert result["passed"] is False
    assert (result["open_ports"], result["tls"], result["ssh"]) == ([], [], [])
    [finding] = result["findings"]  # type: ignore[misc]
    assert finding["check"] == "address" and finding["severity"] == "high"
    assert finding["message"] == (
        "cible refusée, aucune connexion tentée : portail.example.org se résout en une "
        "adresse de bouclage (loopback) ; seules les adresses publiques sont contrôlées")


def test_a_stored_non_public_target_is_not_connected_to(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    listener: Listener,
) -> None:
    """Endpoints declared before the rule (or written around the API) are refused too,
    with the real resolver: ``localhost`` and a loopback literal."""
    tenant = make_tenant()
    with database.transaction(scope=Scope.unrestricted()) as db:
        owner = db.get(Tenant, tenant.id)
        for name, host in (("nom", "localhost"), ("adresse", "127.0.0.1")):
            db.add(CheckTarget(tenant_id=tenant.id, tenant=owner, name=name, host=host,
                               ports=[listener.port], expected_open=[], tls_ports=[],
                               ssh_ports=[listener.port], created_by="before-the-fix"))
    results = {r["target"]: r for r in run_checks(client, database, auth, tenant)}
    assert listener.connections == []
    assert set(results) == {"nom", "adresse"}
    for result in results.values():
        assert result["passed"] is False and result["open_ports"] == []
    assert "localhost se résout en une adresse de bouclage" in str(results["nom"]["findings"])
    assert "127.0.0.1 est une adresse de bouclage" in str(results["adresse"]["findings"])


def test_allowed_names_are_checked_at_the_vetted_address(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    listener: Listener, monkeypatch: pytest.MonkeyPatch,
    allow_private_targets: AllowPrivateTargets,
) -> None:
    """The control: allowed, the same name is checked, and the connection goes to the
    address vetted (the name itself resolves nowhere but in the checks' resolver)."""
    tenant = make_tenant()
    allow_private_targets(LOOPBACK)
    fake_dns(monkeypatch, {"portail.example.org": ["127.0.0.1"]})
    status, _ = declare(client, auth(Role.ESTABLISHMENT, tenant), tenant,
                        "portail.example.org", ports=[listener.port])
    assert status == 201
    [result] = run_checks(client, database, auth, tenant)
    assert result["open_ports"] == [listener.port]
    assert len(listener.connections) == 1


def test_the_probe_refuses_without_the_allow_list(listener: Listener) -> None:
    endpoint = probe.Endpoint("127.0.0.1", [listener.port], [], [listener.port],
                              [listener.port])
    refused = probe.check(endpoint, now=datetime.now(UTC), timeout=1)
    assert not refused.passed and [f.check for f in refused.findings] == ["address"]
    assert listener.connections == []
    allowed = probe.check(endpoint, now=datetime.now(UTC), timeout=1,
                          allowed=addresses.parse_networks(LOOPBACK))
    assert allowed.open_ports == [listener.port] and listener.connections
