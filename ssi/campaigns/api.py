"""``/api/v1/ssi/campaigns`` and ``/api/v1/ssi/assessments``: the diagnostic flash.

The RSSI opens and closes campaigns and sends reminders (``ssi:write``); an
establishment answers and submits its own assessment (``ssi:answer``; another tenant's
is a 404); everyone with ``ssi:read`` reads campaigns, their anonymous regional results,
and the assessments their scope shows. An establishment reads only the campaigns it takes
part in (another one is a 404) and regional figures only over enough establishments
(``SOCLE_SSI_MIN_GROUP_SIZE``; the answer's ``withheld`` says what was left out and why).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from ssi.campaigns import service as campaigns
from ssi.campaigns.flows import enqueue_reminders
from ssi.campaigns.models import Assessment
from ssi.campaigns.schemas import (
    AnswersUpdate,
    AssessmentDetail,
    AssessmentRead,
    AssessmentState,
    CampaignCreate,
    CampaignRead,
    CampaignResults,
    CampaignState,
)
from ssi.errors import store

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]
Writer = Annotated[Principal, require("ssi:write")]
Answerer = Annotated[Principal, require("ssi:answer")]


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignRead)
def open_campaign(body: CampaignCreate, db: DbSession, caller: Writer) -> CampaignRead:
    """Open a diagnostic flash campaign for a set of establishments (version pinned)."""
    return CampaignRead.model_validate(campaigns.open_campaign(db, body, actor=caller.actor))


@router.get("/campaigns", response_model=Page[CampaignRead], responses=EXPORT_RESPONSES)
def list_campaigns(
    db: DbSession, paging: PageParams, caller: Reader, state: CampaignState | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[CampaignRead] | Response:
    """Campaigns (an establishment: those it takes part in), newest first."""
    return page_or_export(db, campaigns.campaign_query(db, state=state), paging, CampaignRead,
                          format, title="Campagnes de diagnostic flash")


@router.get("/campaigns/{campaign_id}", response_model=CampaignRead)
def get_campaign(campaign_id: RowId, db: DbSession, caller: Reader) -> CampaignRead:
    """One campaign (404 for an establishment that does not take part in it)."""
    return CampaignRead.model_validate(campaigns.get_campaign(db, campaign_id))


@router.get("/campaigns/{campaign_id}/results", response_model=CampaignResults)
def campaign_results(campaign_id: RowId, db: DbSession, caller: Reader) -> CampaignResults:
    """The regional picture: quartiles overall and per chapter, maturity levels reached
    (an establishment: only figures over enough establishments, see ``withheld``)."""
    return campaigns.results(db, campaigns.get_campaign(db, campaign_id))


@router.post("/campaigns/{campaign_id}/close", response_model=CampaignRead)
def close_campaign(campaign_id: RowId, db: DbSession, caller: Writer) -> CampaignRead:
    """Stop accepting answers."""
    campaign = campaigns.get_campaign(db, campaign_id)
    return CampaignRead.model_validate(campaigns.close_campaign(db, campaign, actor=caller.actor))


@router.post(
    "/campaigns/{campaign_id}/reminders",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
)
def remind(campaign_id: RowId, db: DbSession, caller: Writer) -> JobAccepted:
    """Remind the establishments whose answers are late (a job; once a day each)."""
    campaign = campaigns.get_campaign(db, campaign_id)
    job = enqueue_reminders(db, actor=caller.actor, campaign_id=campaign.id)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.get("/assessments", response_model=Page[AssessmentRead], responses=EXPORT_RESPONSES)
def list_assessments(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    campaign: RowId | None = None,
    tenant: TenantFiness = None,
    state: AssessmentState | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[AssessmentRead] | Response:
    """Assessments (an establishment sees its own), newest first."""
    stmt = campaigns.assessment_query(campaign_id=campaign, tenant=tenant, state=state)
    return page_or_export(db, stmt, paging, AssessmentRead, format, title="Autodiagnostics")


@router.get("/assessments/{assessment_id}", response_model=AssessmentDetail)
def get_assessment(assessment_id: RowId, db: DbSession, caller: Reader) -> AssessmentDetail:
    """An assessment with its live score, its comparison with the region and its history."""
    return campaigns.detail(db, store.get(db, Assessment, assessment_id))


@router.patch("/assessments/{assessment_id}", response_model=AssessmentDetail)
def answer(
    assessment_id: RowId, body: AnswersUpdate, db: DbSession, caller: Answerer
) -> AssessmentDetail:
    """Record answers (all valid against the pinned checklist, or none kept)."""
    assessment = store.get(db, Assessment, assessment_id)
    return campaigns.detail(db, campaigns.answer(db, assessment, body, actor=caller.actor))


@router.post("/assessments/{assessment_id}/submit", response_model=AssessmentDetail)
def submit(assessment_id: RowId, db: DbSession, caller: Answerer) -> AssessmentDetail:
    """Score the answers and make them final (every question answered, or ``na``)."""
    assessment = store.get(db, Assessment, assessment_id)
    return campaigns.detail(db, campaigns.submit(db, assessment, actor=caller.actor))
