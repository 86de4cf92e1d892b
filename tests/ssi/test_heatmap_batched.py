"""The regional heatmap reads every establishment at once (batched evidence, declarations
in one query): the same trackers as one establishment at a time, at every ``?at=``, and a
number of queries that does not grow with the number of establishments."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane import evidence
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence
from controlplane.models import Tenant
from network.sla.ingest import Observation, ingest
from ssi.tracker import regional
from ssi.tracker import service as tracker
from ssi.tracker.schemas import DeclarationWrite
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.test_evidence_as_of import DAY, SET_UP, T, timeline
from tests.network.factories import NetworkFactory
from tests.support.queries import count_queries

HEATMAP = "/api/v1/ssi/regional/heatmap"
MONTH_START = T.replace(day=1) - timedelta(days=31)  # in May 2026, the month before T's


def circuit_with_minutes(net: NetworkFactory, database: Database, tenant: Tenant,
                         down: int) -> None:
    """A circuit of ``tenant`` observed 100 minutes in May 2026, ``down`` of them down."""
    circuit = net.circuit(tenant)
    start = MONTH_START + timedelta(days=5)
    with database.transaction(scope=Scope.unrestricted()) as db:
        ingest(db, [Observation(circuit.id, start + timedelta(minutes=i), up=i >= down)
                    for i in range(100)])


def declare(database: Database, tenant: Tenant, item: str, value: float | str) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        tracker.declare(db, db.get_one(Tenant, tenant.id), "hn-prerequis", item,
                        DeclarationWrite(value=value), actor="tests")


def test_batched_trackers_equal_one_at_a_time_at_every_date(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    backed_up = [make_tenant(), make_tenant()]
    timeline(database, backed_up[0], tmp_path)  # the other has no hosting
    net = NetworkFactory(database)
    measured = make_tenant("38")
    circuit_with_minutes(net, database, measured, down=10)
    circuit_with_minutes(net, database, measured, down=0)
    circuit_with_minutes(net, database, backed_up[0], down=50)
    declare(database, measured, "P2.1", "oui")
    declare(database, backed_up[1], "P1.2", 40)
    region = [*backed_up, measured, make_tenant()]

    for now in (SET_UP - DAY, T - DAY, T + DAY, T + 3 * DAY):
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            tenants = [db.get_one(Tenant, t.id) for t in region]
            one_by_one = [tracker.track(db, t, now=now) for t in tenants]
            assert tracker.track_many(db, tenants, now=now) == one_by_one
            assert regional.rows(db, tenants, now=now, framework_id="care-d2") == [
                regional.row(t, tracker.track(db, t, now=now, framework_id="care-d2"))
                for t in tenants]
    items = {item.id: item for item in one_by_one[2].items}
    assert items["P2.1"].declared is not None and items["P2.1"].declared.value == "oui"
    by_key = {value.key: value for value in items["P2.2"].automatic}
    assert by_key["network.availability"].value == 95.0  # May 2026: 190 up of 200 minutes


def test_a_failing_batched_collector_falls_back_to_one_tenant_at_a_time(
    database: Database, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def measured(db: object, *, tenant_id: int, now: datetime) -> Evidence:
        calls.append(tenant_id)
        return Evidence(key="x.ok", value=tenant_id, observed_at=now, source=f"x#{tenant_id}")

    def broken(db: object, *, tenant_ids: list[int], now: datetime) -> dict[int, Evidence]:
        raise RuntimeError("plane down")

    monkeypatch.setattr(evidence, "collectors", lambda: {"x.ok": measured})
    monkeypatch.setattr(evidence, "batched_collectors", lambda: {"x.ok": broken})
    with database.session(scope=Scope.unrestricted()) as db:
        found = evidence.collect_many(db, tenant_ids=[3, 5], keys=["x.ok", "x.none"], now=T)
    assert {t: e["x.ok"].value for t, e in found.items()} == {3: 3, 5: 5} and calls == [3, 5]
    assert found[3]["x.none"].value is None and "aucune source" in found[3]["x.none"].detail


def test_heatmap_query_count_does_not_grow_with_establishments(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory,
    tmp_path: Path,
) -> None:
    net = NetworkFactory(database)
    region = [make_tenant()]
    timeline(database, region[0], tmp_path)
    counts = []
    for n in (3, 30):
        while len(region) < n:
            region.append(make_tenant())
            if len(region) % 2 == 0:
                net.circuit(region[-1])
                declare(database, region[-1], "P1.1", "oui")
        headers = auth(Role.RSSI)
        with count_queries(database.engine, database.read_engine) as statements:
            answer = client.get(HEATMAP, headers=headers,
                                params={"limit": 50, "at": (T + DAY).isoformat()})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["items"]) == n
        counts.append(len(statements))
    assert counts == [31, 31], counts  # token, count, page; each collector; declarations
