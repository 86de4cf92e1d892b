"""SSI pages over HTTP: an establishment answers its diagnostic flash (nothing saved on a
bad answer, submission refused while incomplete, then scored), the RSSI reads it and the
regional heatmap; another establishment gets not-found.

mini-flash (tests/ssi/samples.py): scale 0..2 with "na"; A = A1 (w1), A2 (w3); B (w2) =
B1, B2 (w1), B3 (w2). Answers A1=2, A2=1, B1=2, B2=0, B3=na: A = 62.5, B = 50,
overall (62.5 + 2 × 50) / 3 = 54.2 → "54/100", maturity 2 "Moyen".
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope, utcnow
from controlplane.models import Tenant
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment
from ssi.campaigns.schemas import CampaignCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.ssi.fixtures_assess import mini_flash  # noqa: F401

ANSWERS = {"q_A1": "2", "q_A2": "1", "q_B1": "2", "q_B2": "0", "q_B3": "na"}


@pytest.fixture
def assessments(mini_flash: Path, client: TestClient, database: Database,  # noqa: F811
                make_tenant: TenantFactory) -> dict[str, tuple[Tenant, int]]:
    """A campaign on mini-flash for two establishments: each one's tenant and assessment."""
    tenants = {"own": make_tenant(name="CH Annecy"), "other": make_tenant(name="CH Voisin")}
    body = CampaignCreate(name="Flash 2026", framework_id="mini-flash", version="1.0",
                          deadline=utcnow().date() + timedelta(days=14),
                          tenants=[t.finess for t in tenants.values()])
    with database.transaction(scope=Scope.unrestricted()) as db:
        campaign = campaigns.open_campaign(db, body, actor="tests")
        found = {a.tenant_id: a.id for a in db.query(Assessment).filter_by(
            campaign_id=campaign.id)}
    return {name: (tenant, found[tenant.id]) for name, tenant in tenants.items()}


def test_establishment_answers_then_submits_its_diagnostic(
    client: TestClient, auth: TokenFactory, assessments: dict[str, tuple[Tenant, int]],
    database: Database,
) -> None:
    tenant, ident = assessments["own"]
    console = signed_in(client, auth, "establishment", tenant)
    listing = client.get("/console/ssi").text
    assert f'href="/console/ssi/assessments/{ident}"' in listing
    assert "CH Voisin" not in listing
    page = f"/console/ssi/assessments/{ident}"
    form = client.get(page).text
    assert "<legend>A1 · Question A1 ?</legend>" in form
    assert 'value="na"' in form and "Ne s’applique pas" in form

    bad = console.post_form(page, page, {"q_A1": "2", "q_B1": "7", "action": "save"})
    assert bad.status_code == 422 and "Rien n’a été enregistré." in bad.text
    assert 'href="#q-B1"' in bad.text
    partial = console.post_form(page, page, {"q_A1": "2", "action": "submit"})
    assert partial.status_code == 422
    assert "Vos réponses sont enregistrées, mais l’auto-évaluation n’est pas soumise." in (
        partial.text)
    assert "Cette question attend une réponse" in partial.text
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Assessment, ident).answers == {"A1": 2}

    done = console.post_form(page, page, {**ANSWERS, "action": "submit"})
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Votre auto-évaluation est soumise" in shown
    assert "54/100 · niveau 2 « Moyen »" in shown
    assert ">Score par chapitre, CH Annecy</title>" in shown
    assert "Chapitre A : 62,5\u00a0/100; Chapitre B : 50,0\u00a0/100" in shown
    assert "<fieldset" not in shown  # submitted: no more answering


def test_other_establishments_cannot_answer_and_the_rssi_may(
    client: TestClient, auth: TokenFactory, assessments: dict[str, tuple[Tenant, int]]
) -> None:
    _, ident = assessments["own"]
    other, _ = assessments["other"]
    page = f"/console/ssi/assessments/{ident}"
    console = signed_in(client, auth, "establishment", other)
    answer = client.get(page)
    assert answer.status_code == 404 and "Page introuvable" in answer.text
    forged = console.post_form("/console/ssi", page, {"q_A1": "0"})
    assert forged.status_code == 404

    client.cookies.clear()
    rssi = signed_in(client, auth, "rssi")
    read = client.get(page).text
    assert "CH Annecy" in read and "<fieldset" in read  # SSI read/write: may answer for it
    assert rssi.post_form(page, page, {"q_A1": "0"}).status_code in (200, 303)


def test_heatmap_shows_each_visible_establishment(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    own, other = make_tenant(name="Clinique Rhône"), make_tenant(name="Hôpital Saône")
    signed_in(client, auth, "rssi")
    html = client.get("/console/ssi/heatmap").text
    assert ">Carte régionale des prérequis HN et CaRE</title>" in html
    cells = re.findall(r"<g><title>([^<]+)</title>", html)
    assert any(cell.startswith("Clinique Rhône (69), ") for cell in cells)
    assert any(cell.startswith("Hôpital Saône (69), ") for cell in cells)

    client.cookies.clear()
    signed_in(client, auth, "establishment", own)
    mine = client.get("/console/ssi/heatmap").text
    assert "Clinique Rhône" in mine and other.name not in mine
