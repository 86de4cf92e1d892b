"""The SSI demo: a diagnostic flash campaign with a few answered assessments and one
EBIOS RM study, on the demo establishments (``socle demo``). Idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from controlplane.models import Tenant
from controlplane.settings import Settings
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment, Campaign
from ssi.campaigns.schemas import AnswersUpdate, CampaignCreate
from ssi.risks import service as risks
from ssi.risks.schemas import StudyContent, StudyCreate

CAMPAIGN = "Diagnostic flash 2026 (démo)"
STUDY = "Analyse de risques EBIOS RM 2026 (démo)"
ANSWERED = 3  # of the invited establishments, how many submit

STUDY_CONTENT = {
    "business_values": [
        {"id": "VM1", "name": "Prise en charge des patients aux urgences"},
        {"id": "VM2", "name": "Dossier patient informatisé", "nature": "information"}],
    "supporting_assets": [
        {"id": "BS1", "name": "Serveurs du dossier patient", "business_values": ["VM2"]},
        {"id": "BS2", "name": "Postes des urgences", "business_values": ["VM1"]}],
    "feared_events": [
        {"id": "ER1", "business_value": "VM2", "impact": "Dossier patient indisponible "
         "plus de 24 heures", "severity": 4},
        {"id": "ER2", "business_value": "VM2", "impact": "Divulgation de données de santé",
         "severity": 3}],
    "risk_sources": [
        {"id": "SR1", "source": "Groupe cybercriminel", "objective": "Extorsion (rançongiciel)",
         "motivation": 4, "resources": 3, "activity": 4}],
    "stakeholders": [
        {"id": "PP1", "name": "Infogérant", "dependency": 4, "penetration": 3,
         "maturity": 2, "trust": 2}],
    "strategic_scenarios": [
        {"id": "SS1", "risk_source": "SR1", "feared_events": ["ER1"], "stakeholders": ["PP1"],
         "description": "Rançongiciel déployé par l'accès distant de l'infogérant"},
        {"id": "SS2", "risk_source": "SR1", "feared_events": ["ER2"], "likelihood": 2}],
    "operational_scenarios": [
        {"id": "SO1", "strategic_scenario": "SS1", "supporting_assets": ["BS1", "BS2"],
         "description": "Identifiants VPN volés, propagation, chiffrement", "likelihood": 3}],
    "treatments": [{"scenario": "SS1", "option": "reduce"},
                   {"scenario": "SS2", "option": "reduce"}],
    "measures": [
        {"id": "M1", "title": "Double authentification de l'accès distant", "owner": "DSI",
         "deadline": "2027-03-31", "status": "in_progress", "scenarios": ["SS1"],
         "pssi_section": "C5.3"},
        {"id": "M2", "title": "Copie de sauvegarde immuable hors site", "owner": "DSI",
         "deadline": "2027-06-30", "scenarios": ["SS1"], "reduces_likelihood": 0,
         "reduces_severity": 2, "pssi_section": "C4.3"},
        {"id": "M3", "title": "Chiffrement des exports de données", "owner": "DPO",
         "deadline": "2027-09-30", "scenarios": ["SS2"], "pssi_section": "C1.2"}],
}


def seed(db: Session, *, actor: str, settings: Settings) -> list[str]:
    """Seed the SSI demo on the demo establishments; what was done, in words."""
    if db.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN)) is not None:
        return ["ssi: demo campaign and study already there"]
    found = list(db.scalars(select(Tenant).where(Tenant.kind.in_(("ES", "EMS")))
                            .order_by(Tenant.finess).limit(5)))
    if not found:
        return ["ssi: no establishment to seed (create the demo tenants first)"]
    campaign = campaigns.open_campaign(db, CampaignCreate(
        name=CAMPAIGN, deadline=utcnow().date() + timedelta(days=30),
        tenants=[t.finess for t in found]), actor=actor)
    checklist = campaigns.checklist_of(campaign)
    questions = [q.id for q in checklist.all_items()]
    top = checklist.scale.values[-1]
    submitted = 0
    for rank, assessment in enumerate(db.scalars(
            select(Assessment).where(Assessment.campaign_id == campaign.id)
            .order_by(Assessment.id))):
        # varied, reproducible answers: each establishment a little better than the last
        answers = {q: min(top, (i * 7 + rank * 3) % (top + 1) + rank // 2)
                   for i, q in enumerate(questions)}
        if rank >= ANSWERED:
            answers = dict(list(answers.items())[: len(answers) // 2])
        campaigns.answer(db, assessment, AnswersUpdate(answers=answers), actor=actor)
        if rank < ANSWERED:
            campaigns.submit(db, assessment, actor=actor)
            submitted += 1
    risks.create_study(db, StudyCreate(tenant=found[0].finess, title=STUDY,
                                       scope="Système d'information de production",
                                       content=StudyContent.model_validate(STUDY_CONTENT)),
                       actor=actor)
    return [f"ssi: campaign {CAMPAIGN!r} for {len(found)} establishments "
            f"({submitted} submitted), one EBIOS RM study for {found[0].name}"]
