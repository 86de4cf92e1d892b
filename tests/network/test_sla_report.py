"""The monthly SLA through the API and the CLI, on stored day rows, on each backend.

One region, December 2026 (Europe/Paris: 2026-11-30T23:00Z → 2026-12-31T23:00Z,
31 × 1,440 = 44,640 minutes), every figure computed by hand below:

Circuit A (provider P1, standard class, tenant T1, department 69), observed every minute
but a 120-minute gap (20 Dec 00:00–02:00Z, unknown), down three times:
  - 10 Dec 10:00–11:00Z (60 min) inside its window W1 09:30–11:30Z (120 min): excused;
  - 15 Dec 08:00–09:00Z (60 min), its window W2 08:30–10:00Z (90 min): 30 min excused,
    30 min count;
  - 31 Dec 22:00–23:30Z inside P1's provider-wide window W3 31 Dec 22:00Z → 1 Jan 02:00Z
    (Paris 23:00 → 03:00: across midnight and the month's end); December holds its first
    60 minutes, January the other 180 (and A's last 30 down minutes).
  maintenance = 120 + 90 + 60 = 270; unknown = 120; measured = 44,640 − 270 − 120 =
  44,250; down = 30; up = 44,220; availability = 44,220 / 44,250 = 99.932203…%;
  unknown share = 120 / (44,640 − 270) = 0.270453…%.
  Probes: RTT 1..100 ms on 100 minutes (+ 1,000 ms inside W1 and 5,000 ms in November,
  both ignored) → p95 = 95; jitter 1..20 → p95 = 19; loss 0, 0, 1, 3 % → 1.0 %.
  Contract P1/standard: 99.95 %, 50 ms, 30 ms, 0.5 %, fee 1,000.00 €, 5 % per started
  0.1 point, cap 30 %: availability short by 0.0178 → 1 step → 5 % → 5,000 c; latency and
  loss breached, jitter not.
Circuit B (P1, standard, tenant T2, department 38): up all month; only W3 → maintenance
  60, measured 44,580, availability 100 %, no probe → no performance figure, no breach.
Circuit C (P2, standard, tenant T1, department 69; P2 has no contract): observed the first
  10 days only (14,400 min), the first 144 down, and one down minute on 30 Nov 22:59Z
  (November: not counted) → unknown = 30,240, availability = 14,256 / 14,400 = 99.0 %.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import network
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.inventory.schemas import CircuitRead, MaintenanceCreate
from network.sla.contracts import create_contract
from network.sla.ingest import Observation, ingest
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory
from tests.support.queries import count_queries

SLA = "/api/v1/network/sla"
START = datetime(2026, 11, 30, 23, tzinfo=UTC)  # 1 Dec 2026 00:00 Europe/Paris
MONTH = 44_640


def utc(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def minutes(start: datetime, count: int) -> Iterator[datetime]:
    return (start + timedelta(minutes=i) for i in range(count))


def within(at: datetime, start: datetime, end: datetime) -> bool:
    return start <= at < end


@dataclass
class Region:
    t1: Tenant
    t2: Tenant
    a: CircuitRead
    b: CircuitRead
    c: CircuitRead
    net: NetworkFactory


def _availability_observations(circuit_id: int) -> Iterator[Observation]:
    """Circuit A: the December minutes and the first 30 of January (see the docstring)."""
    gap = (utc(20, 0), utc(20, 2))
    downs = [(utc(10, 10), utc(10, 11)), (utc(15, 8), utc(15, 9)), (utc(31, 22), utc(31, 23, 30))]
    for at in minutes(START, MONTH + 30):
        if not within(at, *gap):
            yield Observation(circuit_id, at, up=not any(within(at, *d) for d in downs))


def _probe_observations(circuit_id: int) -> Iterator[Observation]:
    for i, at in enumerate(minutes(utc(2, 0), 100)):
        yield Observation(circuit_id, at, rtt_ms=100 - i)  # 100, 99, ..., 1
    for i, at in enumerate(minutes(utc(3, 0), 20)):
        yield Observation(circuit_id, at, jitter_ms=i + 1)
    for loss, at in zip([0, 0, 1, 3], minutes(utc(4, 0), 4), strict=True):
        yield Observation(circuit_id, at, loss_pct=loss)
    yield Observation(circuit_id, utc(10, 10, 30), rtt_ms=1000)  # inside W1
    yield Observation(circuit_id, utc(30, 22, 30, month=11), rtt_ms=5000)  # November


@pytest.fixture
def region(database: Database, make_tenant: TenantFactory) -> Region:
    net = NetworkFactory(database)
    t1, t2 = make_tenant(department="69"), make_tenant(department="38")
    p1, p2 = net.provider(), net.provider()
    a = net.circuit(t1, provider=p1, status="active", sla_class="standard")
    b = net.circuit(t2, provider=p1, status="active", sla_class="standard")
    c = net.circuit(t1, provider=p2, status="active", sla_class="standard")
    windows = [
        {"circuit": a.ref, "starts_at": utc(10, 9, 30), "ends_at": utc(10, 11, 30)},
        {"circuit": a.ref, "starts_at": utc(15, 8, 30), "ends_at": utc(15, 10)},
        {"provider": p1.name, "starts_at": utc(31, 22), "ends_at": utc(1, 2, month=1, year=2027)},
    ]
    with database.transaction(scope=Scope.unrestricted()) as db:
        for window in windows:
            network.create_maintenance(db, MaintenanceCreate(reason="works", **window),
                                       actor="tests")
        create_contract(db, ContractCreate(
            provider=p1.name, sla_class="standard", availability_pct=99.95, latency_p95_ms=50,
            jitter_p95_ms=30, loss_pct=0.5, monthly_fee_cents=100_000), actor="tests")
        ingest(db, _availability_observations(a.id))
        ingest(db, _probe_observations(a.id))
        ingest(db, (Observation(b.id, at, up=True) for at in minutes(START, MONTH)))
        ingest(db, (Observation(c.id, at, up=i >= 144)
                    for i, at in enumerate(minutes(START, 14_400))))
        ingest(db, [Observation(c.id, utc(30, 22, 59, month=11), up=False)])
    return Region(t1, t2, a, b, c, net)


def get(client: TestClient, headers: dict[str, str], path: str = "", **params: Any) -> Any:
    answer = client.get(f"{SLA}{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def lines(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["key"]: line for line in report["lines"]}


def test_per_circuit_figures_breaches_and_penalty(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    report = get(client, auth("network-engineer"), period="2026-12")
    assert report["starts_at"] == "2026-11-30T23:00:00Z" and report["timezone"] == "Europe/Paris"
    by_ref = lines(report)
    a, b, c = by_ref[region.a.ref], by_ref[region.b.ref], by_ref[region.c.ref]
    assert (a["minutes"], a["maintenance_minutes"], a["unknown_minutes"]) == (MONTH, 270, 120)
    assert (a["measured_minutes"], a["down_minutes"]) == (44_250, 30)
    assert a["availability_pct"] == pytest.approx(100 * 44_220 / 44_250, abs=1e-6)
    assert a["unknown_pct"] == pytest.approx(100 * 120 / 44_370, abs=1e-6)
    assert (a["rtt_p95_ms"], a["jitter_p95_ms"], a["loss_pct"]) == (95.0, 19.0, 1.0)
    assert a["breaches"] == ["availability", "latency", "loss"] and a["penalty_cents"] == 5_000
    assert (a["department"], a["tenant"]) == ("69", region.t1.finess)

    assert (b["maintenance_minutes"], b["measured_minutes"], b["availability_pct"]) == (
        60, 44_580, 100.0)
    assert b["rtt_p95_ms"] is None and b["breaches"] == [] and b["penalty_cents"] == 0

    assert (c["maintenance_minutes"], c["unknown_minutes"], c["down_minutes"]) == (0, 30_240, 144)
    assert c["availability_pct"] == 99.0 and c["breaches"] == []


def test_the_window_across_the_month_end_carries_into_january(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    # January: W3 covers 1 Jan 00:00–03:00 Paris = 180 minutes; A's 30 observed minutes
    # (down) are all inside it, the rest is unknown: nothing measured, no breach.
    a = lines(get(client, auth("auditor"), period="2027-01", circuit=region.a.ref))[region.a.ref]
    assert (a["maintenance_minutes"], a["unknown_minutes"], a["measured_minutes"]) == (
        180, MONTH - 180, 0)
    assert a["availability_pct"] is None and a["breaches"] == []


def test_grouped_by_provider_and_by_department(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    headers = auth("network-engineer")
    providers = lines(get(client, headers, period="2026-12", group_by="provider"))
    p1, p2 = providers[region.a.provider], providers[region.c.provider]
    # P1 = A + B: up 44,220 + 44,580 = 88,800 over 44,250 + 44,580 = 88,830.
    assert (p1["circuits"], p1["maintenance_minutes"], p1["unknown_minutes"]) == (2, 330, 120)
    assert p1["availability_pct"] == pytest.approx(100 * 88_800 / 88_830, abs=1e-6)
    assert (p1["breaching_circuits"], p1["penalty_cents"], p1["rtt_p95_ms"]) == (1, 5_000, 95.0)
    assert (p2["circuits"], p2["availability_pct"]) == (1, 99.0)

    departments = lines(get(client, headers, period="2026-12", group_by="department"))
    # 69 = A + C: up 44,220 + 14,256 = 58,476 over 44,250 + 14,400 = 58,650.
    assert departments["69"]["availability_pct"] == pytest.approx(100 * 58_476 / 58_650, abs=1e-6)
    assert departments["69"]["unknown_minutes"] == 120 + 30_240
    assert (departments["38"]["circuits"], departments["38"]["availability_pct"]) == (1, 100.0)


def test_an_establishment_sees_only_its_circuits(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    headers = auth("establishment", region.t1)
    assert set(lines(get(client, headers, period="2026-12"))) == {region.a.ref, region.c.ref}
    # P1 for T1 is A alone (B is T2's); W3, provider-wide, still applies to A.
    p1 = lines(get(client, headers, period="2026-12", group_by="provider"))[region.a.provider]
    assert (p1["circuits"], p1["maintenance_minutes"]) == (1, 270)
    assert p1["availability_pct"] == pytest.approx(100 * 44_220 / 44_250, abs=1e-6)
    answer = client.get(SLA, params={"period": "2026-12", "circuit": region.b.ref},
                        headers=headers)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "circuit"
    breaches = get(client, headers, "/breaches", **{"from": "2026-12", "to": "2026-12"})
    assert {b["circuit"] for b in breaches["items"]} == {region.a.ref}


def test_breaches_over_a_range_of_months(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    # November: A's only probe is the 5,000 ms one (30 Nov 22:30Z, before 1 Dec 00:00
    # Paris): its p95 is 5,000 > 50 ms, a latency breach; nothing else was measured.
    found = get(client, auth("auditor"), "/breaches", **{"from": "2026-11", "to": "2027-01"})
    assert found["total"] == 4
    assert [(b["period"], b["metric"]) for b in found["items"]] == [
        ("2026-11", "latency"),
        ("2026-12", "availability"), ("2026-12", "latency"), ("2026-12", "loss")]
    assert found["items"][0]["measured"] == 5000.0
    availability = found["items"][1]
    assert (availability["target"], availability["penalty_cents"]) == (99.95, 5_000)
    assert availability["measured"] == pytest.approx(100 * 44_220 / 44_250, abs=1e-6)


@pytest.mark.parametrize(("params", "field"), [
    ({"period": "2026-13"}, "period"),
    ({"period": "12/2026"}, "period"),
    ({}, "period"),
    ({"period": "2026-12", "group_by": "site"}, "group_by"),
    ({"period": "2026-12", "circuit": "NO-SUCH"}, "circuit"),
    ({"period": "2026-12", "provider": "no-such"}, "provider"),
])
def test_bad_report_queries_name_the_field(
    client: TestClient, auth: TokenFactory, database: Database, params: dict[str, str],
    field: str,
) -> None:
    answer = client.get(SLA, params=params, headers=auth("network-engineer"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-12", "to": "2026-11"}, "to"),
    ({"from": "2026-00", "to": "2026-11"}, "from"),
    ({"from": "2020-01", "to": "2026-11"}, "to"),
])
def test_bad_breach_ranges_name_the_field(
    client: TestClient, auth: TokenFactory, database: Database, params: dict[str, str],
    field: str,
) -> None:
    answer = client.get(f"{SLA}/breaches", params=params, headers=auth("auditor"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_contracts_through_the_api(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    provider = NetworkFactory(database).provider()
    headers = auth("network-engineer")
    body = {"provider": provider.name, "sla_class": "critical", "availability_pct": 99.99,
            "latency_p95_ms": 20, "jitter_p95_ms": 5, "loss_pct": 0.1,
            "monthly_fee_cents": 250_000}
    created = client.post(f"{SLA}/contracts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["penalty_cap_pct"] == 30.0
    again = client.post(f"{SLA}/contracts", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "NET-0602"
    unknown = client.post(f"{SLA}/contracts", json={**body, "provider": "nope"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "provider"
    listed = client.get(f"{SLA}/contracts", headers=auth("auditor")).json()
    assert [c["sla_class"] for c in listed["items"]] == ["critical"]
    # an INTEGER column: 2**31 overflowed it on PostgreSQL (a 500; the API fuzzer)
    costly = client.post(f"{SLA}/contracts", headers=headers,
                         json={**body, "sla_class": "standard", "monthly_fee_cents": 2**31})
    assert costly.status_code == 422
    assert costly.json()["errors"][0]["field"] == "monthly_fee_cents"


def test_the_report_runs_a_fixed_number_of_queries(
    client: TestClient, auth: TokenFactory, database: Database, region: Region
) -> None:
    headers = auth("network-engineer")
    counts = []
    for _ in range(2):
        with count_queries(database.engine, database.read_engine) as statements:
            get(client, headers, period="2026-12", group_by="provider")
        counts.append(len(statements))
        extra = [region.net.circuit(region.t2, status="active") for _ in range(3)]
        with database.transaction(scope=Scope.unrestricted()) as db:
            ingest(db, [Observation(c.id, utc(5, 5), up=True) for c in extra])
    # the caller, circuits, windows, one read of day rows per batch, contracts
    assert counts[0] == counts[1] <= 6, counts


runner = CliRunner()


def test_the_cli_shows_the_month(region: Region) -> None:
    result = runner.invoke(cli, ["network", "sla", "show", "--period", "2026-12",
                                 "--group-by", "department", "--json"])
    assert result.exit_code == 0, result.output
    departments = {line["key"]: line for line in json.loads(result.stdout)["lines"]}
    assert departments["69"]["availability_pct"] == pytest.approx(100 * 58_476 / 58_650, abs=1e-6)
    table = runner.invoke(cli, ["network", "sla", "show", "--period", "2026-12"])
    assert table.exit_code == 0 and region.a.ref in table.stdout
    bad = runner.invoke(cli, ["network", "sla", "show", "--period", "2026-13"])
    assert bad.exit_code == 2 and "period" in bad.output
    breaches = runner.invoke(cli, ["network", "sla", "breaches", "--from", "2026-12",
                                   "--to", "2026-12", "--json"])
    assert [b["metric"] for b in json.loads(breaches.stdout)] == ["availability", "latency", "loss"]
