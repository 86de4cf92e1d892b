"""The network plane's evidence for the SSI tracker: a tenant's measured availability
over the last complete month, from stored SLA day rows.

Tenant T1 has one circuit observed 200 minutes in December 2026 (Paris), 20 of them
down → 180 / 200 = 90.0 %; minutes never observed are unknown and left out. Tenant T2's
circuit (all down) must not count for T1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controlplane import evidence
from controlplane.db import Database, Scope
from network.evidence import AVAILABILITY, availability, last_complete_month
from network.sla.ingest import Observation, ingest
from tests.conftest import TenantFactory
from tests.network.factories import NetworkFactory

DEC_START = datetime(2026, 11, 30, 23, tzinfo=UTC)  # 1 Dec 2026 00:00 Europe/Paris
IN_JANUARY = datetime(2027, 1, 15, 12, tzinfo=UTC)


def test_last_complete_month_follows_paris_time() -> None:
    assert last_complete_month(IN_JANUARY).month == "2026-12"
    # 31 Dec 23:30 UTC is already 1 January in Paris: December is complete
    assert last_complete_month(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)).month == "2026-12"
    assert last_complete_month(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)).month == "2026-11"


def test_availability_of_a_tenants_circuits(
    database: Database, make_tenant: TenantFactory
) -> None:
    net = NetworkFactory(database)
    own, other, empty = make_tenant(), make_tenant(), make_tenant()
    mine, theirs = net.circuit(own), net.circuit(other)
    observations = [
        Observation(mine.id, DEC_START + timedelta(hours=5, minutes=i), up=i >= 20)
        for i in range(200)
    ] + [Observation(theirs.id, DEC_START + timedelta(minutes=i), up=False) for i in range(50)]
    with database.transaction(scope=Scope.unrestricted()) as db:
        ingest(db, observations)

    with database.session(scope=Scope.unrestricted()) as db:
        found = evidence.collect(db, tenant_id=own.id, keys=[AVAILABILITY], now=IN_JANUARY)
        measured = found[AVAILABILITY]
        assert measured.value == 90.0
        assert measured.observed_at == datetime(2026, 12, 31, 23, tzinfo=UTC)
        assert measured.source == "network.sla:2026-12"
        assert measured.data["circuits"] == [mine.ref]
        assert measured.data["measured_minutes"] == 200

        # in December the last complete month is November: nothing measured → unknown
        november = availability(db, tenant_id=own.id, now=DEC_START + timedelta(days=3))
        assert november.value is None and "2026-11" in november.detail

        nothing = availability(db, tenant_id=empty.id, now=IN_JANUARY)
        assert nothing.value is None and "aucun circuit" in nothing.detail
