"""Every automatic value states the rule it is judged by, and a figure alone never makes
a yes/no item met. HN P2.2 ("taux de disponibilité cible défini et mesuré"): the network
plane says oui only when every circuit of the establishment has a contractual target,
was measured, and met it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from controlplane import evidence
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence
from controlplane.models import Tenant
from network.inventory.schemas import CircuitRead, ProviderRead
from network.sla.ingest import Observation, ingest
from ssi.library import EvidenceRef, Indicator, Target
from ssi.library.evidence import EVIDENCE_KEYS
from ssi.tracker.indicators import Status, judge
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

MAY = datetime(2026, 5, 6, tzinfo=UTC)
AT = datetime(2026, 6, 15, 12, tzinfo=UTC)  # May 2026 is the last complete month


def p22(client: TestClient, headers: dict[str, str], tenant: Tenant) -> dict[str, Any]:
    answer = client.get(f"/api/v1/ssi/tenants/{tenant.finess}/indicators", headers=headers,
                        params={"at": AT.isoformat(), "framework": "hn-prerequis"})
    assert answer.status_code == 200, answer.text
    [item] = [item for item in answer.json()["items"] if item["id"] == "P2.2"]
    return item


def test_every_collector_states_its_rule_even_with_nothing_measured(
    database: Database, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant()
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        found = evidence.collect(db, tenant_id=tenant.id, keys=EVIDENCE_KEYS, now=AT)
    assert all(value.value is None for value in found.values())
    assert {key: bool(value.rule) for key, value in found.items()} == dict.fromkeys(
        EVIDENCE_KEYS, True)


def test_a_figure_without_a_verdict_leaves_a_yes_no_item_unknown() -> None:
    item = Indicator(id="P2.2", title="Taux cible défini et mesuré", kind="organisation",
                     unit="oui/non", source="s", verified=True,
                     target=Target(operator="=", value="oui"),
                     evidence=(EvidenceRef(key="network.availability", max_age_days=62),))
    ref = item.evidence[0]
    figure = Evidence(ref.key, 99.2, AT - timedelta(days=14), "network.sla:2026-05")
    assert judge(item, [(ref, figure)], None, AT).status is Status.UNKNOWN
    agreed = Evidence(ref.key, 99.2, figure.observed_at, figure.source, verdict=True, rule="r")
    assert judge(item, [(ref, agreed)], None, AT).status is Status.MET
    refused = Evidence(ref.key, 99.2, figure.observed_at, figure.source, verdict=False, rule="r")
    assert judge(item, [(ref, refused)], None, AT).status is Status.NOT_MET


def measured_circuit(net: NetworkFactory, database: Database, tenant: Tenant,
                     provider: ProviderRead) -> CircuitRead:
    """A circuit of ``provider`` measured 100 minutes in May 2026, 90 of them up."""
    circuit = net.circuit(tenant, provider=provider)
    with database.transaction(scope=Scope.unrestricted()) as db:
        ingest(db, [Observation(circuit.id, MAY + timedelta(minutes=i), up=i >= 10)
                    for i in range(100)])
    return circuit


def contract(client: TestClient, operator: dict[str, str], provider: ProviderRead,
             availability_pct: float) -> None:
    answer = client.post("/api/v1/network/sla/contracts", headers=operator, json={
        "provider": provider.name, "sla_class": "standard", "availability_pct": availability_pct,
        "latency_p95_ms": 40, "jitter_p95_ms": 10, "loss_pct": 0.5, "monthly_fee_cents": 50_000})
    assert answer.status_code == 201, answer.text


def test_p22_is_met_only_when_every_circuit_meets_its_contractual_target(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory
) -> None:
    net = NetworkFactory(database)
    tenant = make_tenant()
    own, operator = auth(Role.ESTABLISHMENT, tenant), auth(Role.GCS_OPERATOR)
    lenient, strict = net.provider(), net.provider()
    first = measured_circuit(net, database, tenant, lenient)

    # measured, but no contract says what availability was promised: not met
    item = p22(client, own, tenant)
    network, apps = item["automatic"]
    assert (item["status"], network["value"], network["verdict"]) == ("not_met", 90.0, False)
    assert f"sans cible contractuelle : {first.ref}" in network["detail"]
    assert "cible" in network["rule"] and "atteint" in network["rule"]
    # enrolled in no regional service: the apps plane says nothing, the network decides
    assert (apps["key"], apps["status"], apps["value"]) == ("apps.availability", "unknown", None)

    # a contract promising 85 %: 90 % measured meets it, and the detail names the source
    contract(client, operator, lenient, 85)
    item = p22(client, own, tenant)
    network, apps = item["automatic"]
    assert (item["status"], network["verdict"]) == ("met", True)
    assert f"{first.ref} ≥ 85 % (contrat SLA {lenient.name}/standard)" in network["detail"]

    # a second circuit measured at 90 % under a 99.9 % contract: missed, not met
    second = measured_circuit(net, database, tenant, strict)
    contract(client, operator, strict, 99.9)
    item = p22(client, own, tenant)
    network, apps = item["automatic"]
    assert (item["status"], network["value"], network["verdict"]) == ("not_met", 90.0, False)
    assert f"cible manquée : {second.ref}" in network["detail"]
    assert first.ref not in network["detail"].split("cible manquée")[1]

    # an active circuit nobody measured that month: the measure is not in place, not met
    silent = net.circuit(tenant, provider=lenient, status="active")
    item = p22(client, own, tenant)
    network, apps = item["automatic"]
    assert (item["status"], network["verdict"]) == ("not_met", False)
    assert f"non mesurés : {silent.ref}" in network["detail"]
    export = client.get(f"/api/v1/ssi/tenants/{tenant.finess}/indicators", headers=own,
                        params={"at": AT.isoformat(), "format": "csv"})
    assert export.status_code == 200, export.text
    [row] = [line for line in export.text.splitlines() if ",P2.2," in line]
    assert "règle : oui si chaque circuit" in row and f"non mesurés : {silent.ref}" in row
