"""``/api/v1/ssi/risk-studies``: EBIOS RM risk studies per establishment.

The RSSI writes studies (``ssi:write``); readers (``ssi:read``) see them with their
analysis (4×4 matrices, residual risks, treatment plan progress); an establishment
sees only its own (another's is a 404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.db import utcnow
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId
from ssi.errors import store
from ssi.risks import service as risks
from ssi.risks.models import RiskStudy
from ssi.risks.schemas import StudyCreate, StudyRead, StudySummary, StudyUpdate

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]
Writer = Annotated[Principal, require("ssi:write")]


@router.post("/risk-studies", status_code=status.HTTP_201_CREATED, response_model=StudyRead)
def create_study(body: StudyCreate, db: DbSession, caller: Writer) -> StudyRead:
    """Start an establishment's study (its workshops may be given at once)."""
    study = risks.create_study(db, body, actor=caller.actor)
    return risks.read(study, today=utcnow().date())


@router.get("/risk-studies", response_model=Page[StudySummary], responses=EXPORT_RESPONSES)
def list_studies(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[StudySummary] | Response:
    """Studies, newest first."""
    return page_or_export(db, risks.study_query(tenant=tenant), paging, StudySummary, format,
                          title="Études de risques EBIOS RM")


@router.get("/risk-studies/{study_id}", response_model=StudyRead)
def get_study(study_id: RowId, db: DbSession, caller: Reader) -> StudyRead:
    """A study, its workshops and its analysis."""
    return risks.read(store.get(db, RiskStudy, study_id), today=utcnow().date())


@router.patch("/risk-studies/{study_id}", response_model=StudyRead)
def update_study(study_id: RowId, body: StudyUpdate, db: DbSession, caller: Writer) -> StudyRead:
    """Replace the workshops' sections given; the whole study is revalidated."""
    study = risks.update_study(db, store.get(db, RiskStudy, study_id), body,
                               actor=caller.actor)
    return risks.read(study, today=utcnow().date())
