"""Risk studies and the PSSI draft over HTTP: the 4×4 matrices before and after
treatment (scenario SS1: severity 4 × likelihood 3 = 12 → "élevé"; measure M1 lowers its
likelihood by 2 → 4 × 1 = 4 → "moyen"), the PSSI file; another establishment gets
not-found."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope
from controlplane.models import Tenant
from ssi.risks import service as risks
from ssi.risks.schemas import StudyCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in

CONTENT = {
    "business_values": [{"id": "VM1", "name": "Dossier patient", "nature": "information"}],
    "feared_events": [{"id": "ER1", "business_value": "VM1", "impact": "DPI indisponible",
                       "severity": 4}],
    "risk_sources": [{"id": "SR1", "source": "Cybercriminel", "objective": "Rançon",
                      "motivation": 3, "resources": 3, "activity": 3}],
    "strategic_scenarios": [{"id": "SS1", "risk_source": "SR1", "feared_events": ["ER1"],
                             "likelihood": 3}],
    "treatments": [{"scenario": "SS1", "option": "reduce"}],
    "measures": [{"id": "M1", "title": "Sauvegardes immuables", "owner": "DSI",
                  "deadline": "2027-06-30", "scenarios": ["SS1"], "reduces_likelihood": 2}],
}


@pytest.fixture
def study(database: Database, make_tenant: TenantFactory) -> tuple[Tenant, int]:
    tenant = make_tenant(name="CH Grenoble")
    body = StudyCreate(tenant=tenant.finess, title="Étude 2026", content=CONTENT)
    with database.transaction(scope=Scope.unrestricted()) as db:
        return tenant, risks.create_study(db, body, actor="tests").id


def _cell(html: str, title: str, row: str, column: str) -> str:
    chart = html[html.index(f">{title}</title>"):]
    found = re.search(rf"<g><title>{row}, {column} : ([^<]+)</title>", chart)
    assert found, (title, row, column)
    return found.group(1)


def test_the_matrices_place_the_scenario_before_and_after_treatment(
    client: TestClient, auth: TokenFactory, study: tuple[Tenant, int]
) -> None:
    tenant, ident = study
    signed_in(client, auth, "establishment", tenant)
    assert f'href="/console/ssi/risks/{ident}"' in client.get("/console/ssi/risks").text
    html = client.get(f"/console/ssi/risks/{ident}").text
    assert _cell(html, "Risques initiaux, Étude 2026", "Gravité 4", "V3") == "SS1"
    assert _cell(html, "Risques résiduels, Étude 2026", "Gravité 4", "V1") == "SS1"
    assert _cell(html, "Risques initiaux, Étude 2026", "Gravité 4", "V1") == "·"
    assert "élevé (4 × 3)" in html and "moyen (4 × 1)" in html


def test_pssi_is_a_download_of_ones_own_establishment_only(
    client: TestClient, auth: TokenFactory, study: tuple[Tenant, int],
    make_tenant: TenantFactory,
) -> None:
    tenant, ident = study
    signed_in(client, auth, "establishment", tenant)
    draft = client.get(f"/console/ssi/pssi/{tenant.finess}?format=html")
    assert draft.status_code == 200
    assert draft.headers["content-disposition"] == (
        f'attachment; filename="pssi-{tenant.finess}.html"')
    assert "CH Grenoble" in draft.text and "Sauvegardes immuables" in draft.text
    pdf = client.get(f"/console/ssi/pssi/{tenant.finess}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    other = make_tenant()
    assert client.get(f"/console/ssi/pssi/{other.finess}").status_code == 404
    assert client.get(f"/console/ssi/risks/{ident + 1000}").status_code == 404


def test_another_establishment_cannot_open_the_study(
    client: TestClient, auth: TokenFactory, study: tuple[Tenant, int],
    make_tenant: TenantFactory,
) -> None:
    _, ident = study
    signed_in(client, auth, "establishment", make_tenant())
    answer = client.get(f"/console/ssi/risks/{ident}")
    assert answer.status_code == 404 and "Étude 2026" not in answer.text
