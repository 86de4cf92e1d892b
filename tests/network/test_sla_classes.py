"""A contract's latency, jitter and loss are measured in the class of service it names.

Three providers, one critical-class circuit each, all up on 2 December 2026 with 100
probed minutes. The top class (EF on the real-time circuits) is fast: 10 ms, no loss;
best effort is congested: 80 ms, 2 % loss (kept in the class day rows).

- P1's contract names BE (50 ms, 1 %): its real-time circuit is judged on BE, breached;
- P2's contract names no class: its real-time circuit is judged on EF, met;
- P3's contract names AF31: its best-effort circuit is never probed in AF31, so its
  latency and loss are unmeasured (None, no breach, nothing "met" either).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from network.inventory.schemas import CircuitRead
from network.sla.contracts import create_contract
from network.sla.ingest import Observation, ingest, ingest_classes, purge
from network.sla.models import ClassDay
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.network.factories import NetworkFactory

SLA = "/api/v1/network/sla"
DAY = datetime(2026, 12, 2, tzinfo=UTC)


@dataclass
class Circuits:
    on_be: CircuitRead
    on_top: CircuitRead
    never_probed: CircuitRead


def _contract(provider: str, cos: str | None) -> ContractCreate:
    return ContractCreate(provider=provider, sla_class="critical", cos=cos,
                          availability_pct=99.0, latency_p95_ms=50, jitter_p95_ms=30,
                          loss_pct=1.0, monthly_fee_cents=100_000)


def _measured(circuit_id: int, rtt_ms: float, loss_pct: float) -> list[Observation]:
    return [Observation(circuit_id, DAY + timedelta(minutes=i), rtt_ms=rtt_ms, jitter_ms=1.0,
                        loss_pct=loss_pct) for i in range(100)]


@pytest.fixture
def circuits(database: Database, make_tenant: TenantFactory) -> Circuits:
    net = NetworkFactory(database)
    tenant = make_tenant()
    found = Circuits(*(
        net.circuit(tenant, provider=net.provider(), status="active", sla_class="critical",
                    cos_profile=profile)
        for profile in ("realtime", "realtime", "best-effort")
    ))
    with database.transaction(scope=Scope.unrestricted()) as db:
        for circuit, cos in ((found.on_be, "BE"), (found.on_top, None),
                             (found.never_probed, "AF31")):
            create_contract(db, _contract(circuit.provider, cos), actor="tests")
            ingest(db, [Observation(circuit.id, DAY + timedelta(minutes=i), up=True)
                        for i in range(1440)])
            ingest(db, _measured(circuit.id, rtt_ms=10.0, loss_pct=0.0))  # its top class
        for circuit in (found.on_be, found.on_top):
            ingest_classes(db, [("BE", o) for o in _measured(circuit.id, 80.0, 2.0)])
            ingest_classes(db, [("AF31", o) for o in _measured(circuit.id, 20.0, 0.0)])
    return found


def _lines(client: TestClient, auth: TokenFactory) -> dict[str, dict[str, Any]]:
    answer = client.get(SLA, params={"period": "2026-12"}, headers=auth("network-engineer"))
    assert answer.status_code == 200, answer.text
    return {line["key"]: line for line in answer.json()["lines"]}


def test_figures_are_measured_in_the_class_the_contract_names(
    client: TestClient, auth: TokenFactory, circuits: Circuits,
) -> None:
    lines = _lines(client, auth)
    on_be = lines[circuits.on_be.ref]
    assert (on_be["cos"], on_be["rtt_p95_ms"], on_be["loss_pct"]) == ("BE", 80.0, 2.0)
    assert on_be["breaches"] == ["latency", "loss"]
    on_top = lines[circuits.on_top.ref]
    assert (on_top["cos"], on_top["rtt_p95_ms"], on_top["loss_pct"]) == ("EF", 10.0, 0.0)
    assert on_top["breaches"] == []
    never = lines[circuits.never_probed.ref]
    assert (never["cos"], never["rtt_p95_ms"], never["loss_pct"]) == ("AF31", None, None)
    assert never["breaches"] == [] and never["availability_pct"] is not None

    breaches = client.get(f"{SLA}/breaches", params={"from": "2026-12", "to": "2026-12"},
                          headers=auth("network-engineer"))
    assert breaches.status_code == 200, breaches.text
    assert sorted((b["circuit"], b["metric"], b["measured"]) for b in breaches.json()["items"]
                  ) == [(circuits.on_be.ref, "latency", 80.0), (circuits.on_be.ref, "loss", 2.0)]

    csv = client.get(f"{SLA}/report", params={"period": "2026-12", "format": "csv"},
                     headers=auth("network-engineer"))
    assert csv.status_code == 200, csv.text
    header, *rows = csv.text.splitlines()
    column = header.split(",").index("classe_service")
    assert sorted(r.split(",")[column] for r in rows if circuits.on_be.ref in r) == ["BE"]


def test_a_contract_names_its_class_through_the_api_and_the_cli(
    client: TestClient, auth: TokenFactory, database: Database,
) -> None:
    provider = NetworkFactory(database).provider()
    body = {"provider": provider.name, "sla_class": "enhanced", "availability_pct": 99.9,
            "latency_p95_ms": 40, "jitter_p95_ms": 10, "loss_pct": 0.5,
            "monthly_fee_cents": 50_000}
    refused = client.post(f"{SLA}/contracts", headers=auth("gcs-operator"),
                          json={**body, "cos": "EF+"})
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error["field"] == "cos" and "EF" in error["message"]
    made = client.post(f"{SLA}/contracts", headers=auth("gcs-operator"),
                       json={**body, "cos": "AF31"})
    assert made.status_code == 201, made.text
    assert made.json()["cos"] == "AF31"

    done = CliRunner().invoke(cli, [
        "network", "sla", "contract", "create", "--provider", provider.name, "--sla-class",
        "critical", "--cos", "ef", "--availability", "99.99", "--latency", "20", "--jitter", "5",
        "--loss", "0.1", "--monthly-fee-cents", "90000", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["cos"] == "EF"
    listed = client.get(f"{SLA}/contracts", params={"provider": provider.name},
                        headers=auth("auditor")).json()["items"]
    assert [(c["sla_class"], c["cos"]) for c in listed] == [("critical", "EF"),
                                                            ("enhanced", "AF31")]


def test_class_rows_are_merged_by_minute_and_purged_with_the_day_rows(
    database: Database, circuits: Circuits,
) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        later = Observation(circuits.on_be.id, DAY, rtt_ms=99.0)  # replaces minute 0 only
        assert ingest_classes(db, [("BE", later)]) == 1
    with database.transaction(scope=Scope.unrestricted()) as db:
        rows = db.query(ClassDay).filter(ClassDay.circuit_id == circuits.on_be.id).all()
        assert sorted(r.cos for r in rows) == ["AF31", "BE"]
        purged = purge(db, keep_days=1, today=date(2026, 12, 4))
        assert purged == 3  # the three day rows of 2 December
        assert db.query(ClassDay).count() == 0


def test_the_console_charts_a_circuit_in_its_contract_class(
    client: TestClient, auth: TokenFactory, circuits: Circuits,
) -> None:
    signed_in(client, auth, "network-engineer")
    page = client.get(f"/console/network/circuits/{circuits.on_be.ref}?month=2026-12")
    assert page.status_code == 200, page.text
    assert f"Latence par jour du circuit {circuits.on_be.ref} (classe BE)" in page.text
    assert "<title>RTT p95, 02/12 : 80,0\u00a0ms</title>" in page.text
    top = client.get(f"/console/network/circuits/{circuits.on_top.ref}?month=2026-12").text
    assert "<title>RTT p95, 02/12 : 10,0\u00a0ms</title>" in top
