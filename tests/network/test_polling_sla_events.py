"""SLA-breach events (recorded once per circuit, month and metric, audited, visible in
the API and scoped by tenant), the monitoring jobs (events, retention) and the SLA
figures at /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Job
from network.polling import metrics
from network.polling.flows import EVENTS_JOB, RETENTION_JOB
from network.sla import contracts, events
from network.sla.ingest import Observation, ingest
from network.sla.models import CircuitDay
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

NET = "/api/v1/network"
START = datetime(2026, 10, 5, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.LIVE.clear()
    yield
    metrics.LIVE.clear()


def _breaching_circuit(database: Database, net: NetworkFactory, tenant: object) -> str:
    """A circuit up 90 minutes and down 10 in October 2026 (90 % against 99.9 %), with an
    RTT of 80 ms (p95 target 50 ms): two breaches."""
    provider = net.provider()
    circuit = net.circuit(tenant, provider=provider)
    with database.transaction(scope=Scope.unrestricted()) as db:
        contracts.create_contract(db, ContractCreate(
            provider=provider.name, sla_class="standard", availability_pct=99.9,
            latency_p95_ms=50, jitter_p95_ms=10, loss_pct=1, monthly_fee_cents=100_000),
            actor="tests")
        ingest(db, [Observation(circuit.id, START + timedelta(minutes=m), up=m >= 10,
                                rtt_ms=80.0, jitter_ms=1.0, loss_pct=0.0)
                    for m in range(100)])
    return circuit.ref


def test_breaches_become_events_once_audited_and_scoped(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    metrics_headers: dict[str, str],
) -> None:
    net = NetworkFactory(database)
    own, other = make_tenant(), make_tenant()
    ref = _breaching_circuit(database, net, own)
    net.circuit(own, status="active")  # no contract, nothing measured: no event

    with database.transaction(scope=Scope.unrestricted()) as db:
        created = [(e.metric, e.target, e.measured) for e in events.detect(db, "2026-10")]
    assert sorted(created) == [("availability", 99.9, 90.0), ("latency", 50.0, 80.0)]
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert events.detect(db, "2026-10") == []  # deduplicated
        audited = db.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "network.sla-event.create"))
    assert audited == 2

    operator = auth(Role.NETWORK_ENGINEER)
    listing = client.get(f"{NET}/sla/events?period=2026-10", headers=operator).json()
    assert listing["total"] == 2
    assert {(i["circuit"], i["metric"]) for i in listing["items"]} == {
        (ref, "availability"), (ref, "latency")}
    only = client.get(f"{NET}/sla/events?metric=latency&circuit={ref}", headers=operator).json()
    assert [i["measured"] for i in only["items"]] == [80.0]
    assert client.get(f"{NET}/sla/events", headers=auth(Role.ESTABLISHMENT, own)).json()[
        "total"] == 2
    assert client.get(f"{NET}/sla/events", headers=auth(Role.ESTABLISHMENT, other)).json()[
        "total"] == 0
    for query, field in (("period=2026-13", "period"), ("circuit=NOPE", "circuit"),
                         ("metric=speed", "metric")):
        answer = client.get(f"{NET}/sla/events?{query}", headers=operator)
        assert answer.status_code == 422 and field in answer.text, (query, answer.text)

    exposition = client.get("/metrics", headers=metrics_headers).text
    assert f'socle_sla_availability_pct{{circuit="{ref}",' in exposition
    assert f'socle_sla_availability_target_pct{{circuit="{ref}",' in exposition


def test_monitoring_jobs_record_events_and_purge_old_days(
    database: Database, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = NetworkFactory(database)
    _breaching_circuit(database, net, make_tenant())
    monkeypatch.setenv("SOCLE_NETWORK_SLA_RETENTION_DAYS", "30")
    from controlplane.settings import get_settings

    get_settings.cache_clear()
    with database.transaction(scope=Scope.unrestricted()) as db:
        ids = [jobs.enqueue(db, kind=kind, params=params, actor="tests").id
               for kind, params in ((EVENTS_JOB, {"month": "2026-10"}), (RETENTION_JOB, {}))]
    worker = jobs.Worker(database)
    assert [worker.run_once(), worker.run_once()] == ids
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        done = {job.kind: job for job in db.scalars(select(Job).where(Job.id.in_(ids)))}
        assert {kind: job.state for kind, job in done.items()} == {
            EVENTS_JOB: "succeeded", RETENTION_JOB: "succeeded"}
        assert done[EVENTS_JOB].result == {"new_events": 2}
        # October 2026 is more than 30 days before today: its day row is gone
        assert done[RETENTION_JOB].result == {"deleted": 1, "keep_days": 30}
        assert db.scalar(select(func.count()).select_from(CircuitDay).where(
            CircuitDay.day == date(2026, 10, 5))) == 0
