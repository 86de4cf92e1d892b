"""Network pages over HTTP: sites by department coloured by the month's SLA, a circuit's
daily charts, drift, and who may plan; an establishment sees only its own sites.

October 2026 (Europe/Paris) holds a few measured minutes per circuit:
- circuit A (tenant T1, department 69, provider P1 with a contract: 99.9 %, 20 ms p95,
  0.5 % loss): 2 Oct up with RTT 30 ms, 3 Oct up with RTT 10 ms → RTT p95 30 ms > 20:
  latency breached, so its site is "Objectif manqué";
- circuit B (tenant T1, department 38, provider P2 without contract): 2 Oct up, 12 ms
  → measured, no breach: "Conforme";
- circuit C (tenant T2, department 69): never measured → "Non mesuré".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.inventory.schemas import CircuitRead
from network.sla.contracts import create_contract
from network.sla.ingest import Observation, ingest
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.network.factories import NetworkFactory

MONTH = "2026-10"


@dataclass
class Region:
    t1: Tenant
    t2: Tenant
    a: CircuitRead
    b: CircuitRead
    c: CircuitRead


@pytest.fixture
def region(database: Database, make_tenant: TenantFactory) -> Region:
    net = NetworkFactory(database)
    t1, t2 = make_tenant("69", "CH de Lyon"), make_tenant("69", "Clinique voisine")
    p1, p2 = net.provider(), net.provider()
    a = net.circuit(t1, provider=p1, site=net.site(t1, department="69"))
    b = net.circuit(t1, provider=p2, site=net.site(t1, department="38"))
    c = net.circuit(t2, provider=p1, site=net.site(t2, department="69"))
    with database.transaction(scope=Scope.unrestricted()) as db:
        create_contract(db, ContractCreate(
            provider=p1.name, sla_class=a.sla_class, availability_pct=99.9, latency_p95_ms=20,
            jitter_p95_ms=10, loss_pct=0.5, monthly_fee_cents=100_000), actor="tests")
        ingest(db, [
            Observation(a.id, datetime(2026, 10, 2, 10, tzinfo=UTC), up=True, rtt_ms=30.0,
                        jitter_ms=2.0, loss_pct=0.0),
            Observation(a.id, datetime(2026, 10, 3, 10, tzinfo=UTC), up=True, rtt_ms=10.0,
                        jitter_ms=1.0, loss_pct=1.5),
            Observation(b.id, datetime(2026, 10, 2, 10, tzinfo=UTC), up=True, rtt_ms=12.0),
        ])
    return Region(t1, t2, a, b, c)


def _tile(html: str, code: str) -> str:
    found = re.search(rf'<li class="tile tile-(\w+)">\s*<p><a href="/console/network/sites/'
                      rf'{code}\?', html)
    assert found, f"no tile for {code}"
    return found.group(1)


def test_sites_by_department_coloured_by_their_circuits_sla(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    signed_in(client, auth, "network-engineer")
    page = client.get(f"/console/network?month={MONTH}")
    assert page.status_code == 200
    html = page.text
    assert html.index("Département 38") < html.index("Département 69")
    assert _tile(html, region.a.site) == "breach"
    assert _tile(html, region.b.site) == "ok"
    assert _tile(html, region.c.site) == "unknown"
    assert "Objectif manqué</span> 1 site" in html and "Conforme</span> 1 site" in html


def test_establishment_sees_only_its_sites_and_gets_not_found_for_others(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    signed_in(client, auth, "establishment", region.t1)
    html = client.get(f"/console/network?month={MONTH}").text
    assert region.a.site in html and region.b.site in html
    assert region.c.site not in html
    assert "Planifier" not in client.get(f"/console/network/sites/{region.a.site}").text
    for path in (f"/console/network/sites/{region.c.site}",
                 f"/console/network/circuits/{region.c.ref}"):
        answer = client.get(path)
        assert answer.status_code == 404 and "Page introuvable" in answer.text


def test_circuit_page_charts_its_days_against_the_contract(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    signed_in(client, auth, "establishment", region.t1)
    page = client.get(f"/console/network/circuits/{region.a.ref}?month={MONTH}")
    assert page.status_code == 200
    html = page.text
    assert "Objectif manqué" in html
    assert "<title>RTT p95, 02/10 : 30,0\u00a0ms</title>" in html
    assert "<title>RTT p95, 03/10 : 10,0\u00a0ms</title>" in html
    assert "<title>Latence contractuelle : 20,0\u00a0ms</title>" in html
    assert "<title>Perte, 03/10 : 1,50\u00a0%</title>" in html
    assert "01/10 inconnu" in html  # a day without measurement is said unknown, not zero
    site = client.get(f"/console/network/sites/{region.a.site}?month={MONTH}").text
    assert f"{region.a.ref} : 100,000\u00a0%" in site  # the availability bar chart


def test_a_malformed_month_is_a_french_400_page(
    client: TestClient, auth: TokenFactory, region: Region
) -> None:
    signed_in(client, auth, "network-engineer")
    answer = client.get("/console/network?month=2026-13")
    assert answer.status_code == 400 and "AAAA-MM" in answer.text


def test_drift_lists_routers_whose_intent_fails_with_the_reason(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory
) -> None:
    net = NetworkFactory(database)
    tenant = make_tenant()
    site = net.site(tenant)
    device = net.device(site)
    signed_in(client, auth, "network-engineer")
    html = client.get("/console/network/drift").text
    assert f'{device.hostname} <span class="badge badge-breach">Intention en erreur' in html
    assert "no management pool" in html  # why, never "compliant"
    assert f'href="/console/network/sites/{site.code}"' in html


def test_only_network_writers_may_plan(
    client: TestClient, auth: TokenFactory, region: Region, database: Database
) -> None:
    NetworkFactory(database).device(None)  # a PE: the site itself has no router
    console = signed_in(client, auth, "establishment", region.t1)
    page = f"/console/network/sites/{region.a.site}"
    refused = console.post_form("/console/network", f"{page}/plan", {})
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert client.post(f"{page}/plan", data={}).status_code == 403  # no CSRF token either
