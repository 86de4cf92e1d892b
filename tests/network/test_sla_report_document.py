"""The monthly SLA report as a document (HTML with charts, PDF, CSV) through the API and
the CLI, on stored day rows, every figure computed by hand below.

December 2026 (Europe/Paris: 2026-11-30T23:00Z → 2026-12-31T23:00Z, 44,640 minutes):

* A (provider P1, contract 99.9 %, tenant T1, department 69): observed the first two
  Paris days (2,880 minutes), down 30 of them → availability 2,850 / 2,880 =
  98.958333 %, unknown 44,640 − 2,880 = 41,760; RTT 10 ms on day 1, 30 ms on day 2.
  0.941667 point under target: 10 started 0.1-point steps × 5 % = 50 %, capped at 30 %
  of the 1,000 € fee → 300 € penalty.
* B (P1, tenant T2, department 38): observed up the first Paris day (1,440 minutes) →
  100 %, unknown 43,200.
* C (P2, no contract, T1, 69): active, never observed → unknown 44,640, no availability.

By provider: P1 = A + B → 4,290 / 4,320 = 99.305556 %, unknown 84,960; P2 unknown only.
By department: 69 = A + C → 98.958333 %, unknown 86,400; 38 = B → 100 %.
The region: 129,600 of 133,920 minutes without samples = 96.774194 %.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.inventory.schemas import CircuitRead, ProviderRead
from network.sla.contracts import create_contract
from network.sla.ingest import Observation, ingest
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

REPORT = "/api/v1/network/sla/report"
START = datetime(2026, 11, 30, 23, tzinfo=UTC)  # 1 Dec 2026 00:00 Europe/Paris
NNBSP = "\u202f"  # French thousands separator


@dataclass
class Region:
    t1: Tenant
    t2: Tenant
    p1: ProviderRead
    p2: ProviderRead
    a: CircuitRead
    b: CircuitRead
    c: CircuitRead


def _minutes(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=i) for i in range(count)]


@pytest.fixture
def region(database: Database, make_tenant: TenantFactory) -> Region:
    net = NetworkFactory(database)
    t1, t2 = make_tenant(department="69"), make_tenant(department="38")
    p1, p2 = net.provider(), net.provider()
    a = net.circuit(t1, provider=p1, status="active", sla_class="standard")
    b = net.circuit(t2, provider=p1, status="active", sla_class="standard")
    c = net.circuit(t1, provider=p2, status="active", sla_class="standard")
    down = _minutes(datetime(2026, 12, 1, 10, tzinfo=UTC), 30)
    with database.transaction(scope=Scope.unrestricted()) as db:
        create_contract(db, ContractCreate(
            provider=p1.name, sla_class="standard", availability_pct=99.9, latency_p95_ms=50,
            jitter_p95_ms=30, loss_pct=0.5, monthly_fee_cents=100_000), actor="tests")
        ingest(db, [Observation(a.id, at, up=at not in down) for at in _minutes(START, 2880)])
        ingest(db, [Observation(a.id, at, rtt_ms=10.0) for at in _minutes(START, 100)])
        ingest(db, [Observation(a.id, at, rtt_ms=30.0)
                    for at in _minutes(START + timedelta(days=1), 100)])
        ingest(db, [Observation(b.id, at, up=True) for at in _minutes(START, 1440)])
    return Region(t1, t2, p1, p2, a, b, c)


def fetch(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    answer = client.get(REPORT, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def test_html_per_provider_shows_figures_unknown_minutes_and_charts(
    client: TestClient, auth: TokenFactory, region: Region,
) -> None:
    answer = fetch(client, auth("network-engineer"), period="2026-12")
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "<title>Rapport SLA mensuel par opérateur — décembre 2026</title>" in page
    assert f"129{NNBSP}600 minutes\nsans mesure" in page or f"129{NNBSP}600 minutes" in page
    assert f"133{NNBSP}920 minutes hors maintenance" in page
    assert "96,774\u00a0%" in page  # unknown share of the region
    p1_row = page.split(f'<td class="key">{region.p1.name}</td>')[1].split("</tr>")[0]
    assert "<td>2</td>" in p1_row and "99,306\u00a0%" in p1_row
    assert f"84{NNBSP}960" in p1_row and "<td>30</td>" in p1_row  # unknown, down minutes
    assert "300,00\u00a0€" in p1_row  # 10 started 0.1 steps × 5 %, capped at 30 % of 1,000 €
    p2_row = page.split(f'<td class="key">{region.p2.name}</td>')[1].split("</tr>")[0]
    assert "inconnu" in p2_row and f"44{NNBSP}640" in p2_row
    a_row = page.split(f'<td class="key">{region.a.ref}</td>')[1].split("</tr>")[0]
    assert "98,958\u00a0%" in a_row and "disponibilité" in a_row  # breached its target
    # Charts: latency and loss per day, availability per circuit of each provider.
    assert page.count("<svg") == 4
    assert "Latence (p95) par jour — décembre 2026" in page
    assert "Perte de paquets par jour — décembre 2026" in page
    assert f"Disponibilité par circuit — {region.p1.name}" in page
    assert "Objectif contractuel" in page
    latency = page.split("Latence (p95) par jour")[1].split("</svg>")[0]
    assert "10,0" in latency and "30,0" in latency  # day 1 and day 2 of P1


def test_department_grouping_csv_and_a_range_of_months(
    client: TestClient, auth: TokenFactory, region: Region,
) -> None:
    headers = auth("gcs-operator")
    data = fetch(client, headers, period="2026-12", group_by="department", format="csv")
    assert data.headers["content-type"].startswith("text/csv")
    assert 'filename="sla-2026-12-department.csv"' in data.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(data.content.decode("utf-8-sig"))))
    groups = {r["groupe"]: r for r in rows if r["niveau"] == "groupe"}
    assert set(groups) == {"38", "69"}
    assert (groups["69"]["circuits"], groups["69"]["minutes_inconnues"]) == ("2", "86400")
    assert float(groups["69"]["disponibilite_pct"]) == pytest.approx(98.958333, abs=1e-6)
    assert float(groups["38"]["disponibilite_pct"]) == 100.0
    circuits = {r["circuit"]: r for r in rows if r["niveau"] == "circuit"}
    assert set(circuits) == {region.a.ref, region.b.ref, region.c.ref}
    a, c = circuits[region.a.ref], circuits[region.c.ref]
    assert (a["groupe"], a["minutes_mesurees"], a["minutes_indisponibles"]) == ("69", "2880", "30")
    assert (a["objectifs_manques"], a["penalite_eur"], a["etablissement"]) == (
        "availability", "300.00", region.t1.finess)
    assert (c["disponibilite_pct"], c["minutes_inconnues"], c["part_inconnue_pct"]) == (
        "", "44640", "100.0")

    both = fetch(client, headers, period="2026-11", to="2026-12", format="csv")
    periods = {r["periode"] for r in csv.DictReader(io.StringIO(both.content.decode("utf-8-sig")))}
    assert periods == {"2026-11", "2026-12"}
    page = fetch(client, headers, period="2026-11", to="2026-12").text
    assert "décembre 2026" in page and "Novembre 2026" in page


def test_pdf_is_printed_with_the_figures_in_it(
    client: TestClient, auth: TokenFactory, region: Region,
) -> None:
    pdf = fetch(client, auth("auditor"), period="2026-12", format="pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Rapport SLA mensuel par opérateur" in text
    assert region.a.ref in text and "98,958" in text and "sans mesure" in text


BAD_REQUESTS: list[tuple[dict[str, str], str]] = [
    ({"period": "2026-13"}, "period"),
    ({"period": "12/2026"}, "period"),
    ({"period": "2026-12", "format": "docx"}, "format"),
    ({"period": "2026-12", "group_by": "circuit"}, "group_by"),
    ({"period": "2026-12", "to": "2026-10"}, "to"),  # an inverted range
    ({"period": "2026-12", "provider": "Nobody"}, "provider"),
    ({}, "period"),
]


def test_bad_requests_are_422_naming_the_field(client: TestClient, auth: TokenFactory) -> None:
    headers = auth("network-engineer")
    for params, field in BAD_REQUESTS:
        answer = client.get(REPORT, params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        problem = answer.json()
        assert field in [e["field"].split(".")[-1] for e in problem["errors"]], problem


def test_an_establishment_report_holds_its_own_circuits(
    client: TestClient, auth: TokenFactory, region: Region,
) -> None:
    rows = list(csv.DictReader(io.StringIO(fetch(
        client, auth("establishment", region.t1), period="2026-12", format="csv"
    ).content.decode("utf-8-sig"))))
    assert {r["circuit"] for r in rows if r["niveau"] == "circuit"} == {region.a.ref,
                                                                       region.c.ref}


def test_cli_writes_the_report_to_a_file(region: Region, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "sla.csv"
    result = runner.invoke(cli, ["network", "sla", "report", "--period", "2026-12",
                                 "--format", "csv", "--group-by", "department", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "129600 minute(s) without samples" in result.output.replace("\n", "")
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert {r["groupe"] for r in rows} == {"38", "69"}
    html = tmp_path / "sla.html"
    assert runner.invoke(cli, ["network", "sla", "report", "--period", "2026-12",
                               "-o", str(html)]).exit_code == 0
    assert region.p1.name in html.read_text()
    bad = runner.invoke(cli, ["network", "sla", "report", "--period", "2026-00", "-o",
                              str(tmp_path / "x")])
    assert bad.exit_code == 2 and "period" in bad.output and not (tmp_path / "x").exists()
