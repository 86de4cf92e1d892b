"""HN P2.2 ("taux de disponibilité cible défini et mesuré") rests on a rule, not on a
number: an availability figure alone never makes it met. The network plane says oui only
when every circuit of the establishment has a contractual target and was measured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence
from controlplane.models import Tenant
from network.sla.ingest import Observation, ingest
from ssi.library import EvidenceRef, Indicator, Target
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


def test_p22_is_met_only_when_every_circuit_has_a_target_and_was_measured(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory
) -> None:
    net = NetworkFactory(database)
    tenant = make_tenant()
    own, operator = auth(Role.ESTABLISHMENT, tenant), auth(Role.GCS_OPERATOR)
    provider = net.provider()
    measured = net.circuit(tenant, provider=provider)
    with database.transaction(scope=Scope.unrestricted()) as db:
        ingest(db, [Observation(measured.id, MAY + timedelta(minutes=i), up=i >= 10)
                    for i in range(100)])

    # measured, but no contract says what availability was promised: not met
    item = p22(client, own, tenant)
    [network] = item["automatic"]
    assert (item["status"], network["value"], network["verdict"]) == ("not_met", 90.0, False)
    assert f"sans cible contractuelle : {measured.ref}" in network["detail"]
    assert "cible" in network["rule"] and "mesuré" in network["rule"]

    # the operator's contract defines the target: met, even though this circuit missed it
    contract = client.post("/api/v1/network/sla/contracts", headers=operator, json={
        "provider": provider.name, "sla_class": measured.sla_class, "availability_pct": 99.9,
        "latency_p95_ms": 40, "jitter_p95_ms": 10, "loss_pct": 0.5,
        "monthly_fee_cents": 50_000})
    assert contract.status_code == 201, contract.text
    item = p22(client, own, tenant)
    [network] = item["automatic"]
    assert (item["status"], network["verdict"]) == ("met", True)
    assert f"cible manquée : {measured.ref}" in network["detail"]

    # an active circuit nobody measured that month: the measure is not in place, not met
    silent = net.circuit(tenant, provider=provider, status="active")
    item = p22(client, own, tenant)
    [network] = item["automatic"]
    assert (item["status"], network["verdict"]) == ("not_met", False)
    assert f"non mesurés : {silent.ref}" in network["detail"]
    assert network["value"] == 90.0  # the figure itself is unchanged: only measured minutes
    export = client.get(f"/api/v1/ssi/tenants/{tenant.finess}/indicators", headers=own,
                        params={"at": AT.isoformat(), "format": "csv"})
    assert export.status_code == 200, export.text
    [row] = [line for line in export.text.splitlines() if ",P2.2," in line]
    assert "règle : oui si chaque circuit" in row and f"non mesurés : {silent.ref}" in row
