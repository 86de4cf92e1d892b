"""The PSSI draft of an establishment: the PGSSI-S chapters, its context (sites,
circuits, hosting), its risk decisions and measures, its diagnostic flash; HTML, PDF, DOCX."""

from __future__ import annotations

import io
import unicodedata
from datetime import timedelta

import docx
from fastapi.testclient import TestClient
from pypdf import PdfReader

from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment
from ssi.campaigns.schemas import AnswersUpdate, CampaignCreate
from ssi.library.service import library
from ssi.risks import service as risks
from ssi.risks.schemas import StudyContent, StudyCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory

CHAPTERS = ("Cadre juridique et réglementaire", "Organisation de la sécurité",
            "Sécurité physique", "Sécurité des infrastructures", "Gestion des accès",
            "Achats et relations avec les prestataires", "Gestion des incidents")

CONTENT = {
    "business_values": [{"id": "VM1", "name": "Dossier patient"}],
    "feared_events": [{"id": "ER1", "business_value": "VM1", "impact": "Indisponibilité",
                       "severity": 4}],
    "risk_sources": [{"id": "SR1", "source": "Cybercriminel", "objective": "Rançon",
                      "motivation": 4, "resources": 3, "activity": 3}],
    "strategic_scenarios": [{"id": "SS1", "risk_source": "SR1", "feared_events": ["ER1"],
                             "likelihood": 3}],
    "treatments": [{"scenario": "SS1", "option": "reduce"}],
    "measures": [
        {"id": "M1", "title": "Double authentification des administrateurs",
         "owner": "Responsable informatique", "deadline": "2099-06-30",
         "status": "in_progress", "scenarios": ["SS1"], "pssi_section": "C5.2"},
        {"id": "M2", "title": "Exercice de restauration annuel", "owner": "Directeur adjoint",
         "deadline": "2099-09-30", "scenarios": ["SS1"], "pssi_section": "C4.3"}],
}


def test_pssi_draft_html_and_pdf(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant(name="Centre hospitalier de Tarare")
    other = make_tenant(name="Clinique voisine")
    site = NetworkFactory(database).site(tenant)
    HostingFactory(database).subscription(tenant)
    with database.transaction(scope=Scope.unrestricted()) as db:
        risks.create_study(db, StudyCreate(tenant=tenant.finess, title="EBIOS 2026",
                                           content=StudyContent.model_validate(CONTENT)),
                           actor="tests")
        campaign = campaigns.open_campaign(db, CampaignCreate(
            name="Flash", deadline=utcnow().date() + timedelta(days=5),
            tenants=[tenant.finess]), actor="tests")
        assessment = db.query(Assessment).filter_by(campaign_id=campaign.id).one()
        flash = library().checklist("hygiene-checklist")
        campaigns.answer(db, assessment, AnswersUpdate(
            answers={q.id: 3 for q in flash.all_items()}), actor="tests")
        campaigns.submit(db, assessment, actor="tests")

    own = auth(Role.ESTABLISHMENT, tenant)
    url = f"/api/v1/ssi/tenants/{tenant.finess}/pssi"
    answer = client.get(url, headers=own)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "Centre hospitalier de Tarare" in html and tenant.finess in html
    positions = [html.index(f". {title}</h2>") for title in CHAPTERS]
    assert positions == sorted(positions)  # the seven chapters, in order
    assert "EBIOS 2026" in html and "G4" in html and "V3" in html and "réduire" in html
    assert site.code in html
    # each measure in the plan table and in the section it names
    section_c52 = html[html.index("C5.2 —"):html.index("C5.3 —")]
    assert "Double authentification des administrateurs" in section_c52
    assert "Responsable informatique" in section_c52 and "30/06/2099" in section_c52
    section_c43 = html[html.index("C4.3 —"):html.index("C4.4 —")]
    assert "Exercice de restauration annuel" in section_c43 and "Directeur adjoint" in section_c43
    assert "Double authentification" not in section_c43
    assert "score 100/100" in html  # the diagnostic flash, all answers at the top of the scale

    pdf = client.get(f"{url}?format=pdf", headers=auth(Role.RSSI))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    # one line, ligatures (ﬁ) unfolded
    text = unicodedata.normalize("NFKC", " ".join(" ".join(p.extract_text().split())
                                                  for p in pages))
    assert "Centre hospitalier de Tarare" in text
    assert "Gestion des incidents" in text and "Double authentification" in text

    # another establishment's draft does not exist for it; an empty one says what is missing
    assert client.get(url, headers=auth(Role.ESTABLISHMENT, other)).status_code == 404
    empty = client.get(f"/api/v1/ssi/tenants/{other.finess}/pssi", headers=auth(Role.RSSI))
    assert "Aucune analyse de risques" in empty.text and "Aucun site enregistré" in empty.text
    assert client.get(f"{url}?format=odt", headers=own).status_code == 422

    word = client.get(f"{url}?format=docx", headers=own)
    assert word.status_code == 200 and word.headers["content-type"].endswith("document")
    document = docx.Document(io.BytesIO(word.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{n}. {title}" for n, title in enumerate(CHAPTERS, start=1)]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert any(b.startswith("Double authentification des administrateurs — responsable : "
                            "Responsable informatique") for b in bullets)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"Centre hospitalier de Tarare", tenant.finess, "Exercice de restauration annuel",
            site.code, "G4", "V3"} <= cells
