"""Jobs: ``/api/v1/jobs``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane import job_views, jobs
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import JobAccepted, JobRead, JobSummary, Page, RowId

router = APIRouter(prefix=f"{API_PREFIX}/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[JobSummary], responses=EXPORT_RESPONSES)
def list_jobs(
    db: DbSession,
    paging: PageParams,
    caller: Annotated[Principal, require("jobs:read")],
    state: Annotated[str | None, Query(pattern="^(" + "|".join(jobs.JOB_STATES) + ")$")] = None,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[JobSummary] | Response:
    """Jobs, newest first (an establishment: its own)."""
    return page_or_export(db, job_views.list_query(state=state, kind=kind), paging, JobSummary,
                          format, title="Travaux")


@router.get("/{job_id}", response_model=JobRead)
def get_job(
    job_id: RowId, db: DbSession, caller: Annotated[Principal, require("jobs:read")]
) -> JobRead:
    """A job's state, progress, steps, log and result."""
    return job_views.describe(db, job_views.get_job(db, job_id))


@router.post("/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def cancel_job(
    job_id: RowId, db: DbSession, caller: Annotated[Principal, require("jobs:write")]
) -> JobAccepted:
    """Cancel a queued job now, or a running one before its next step."""
    job = jobs.request_cancel(db, job_views.get_job(db, job_id), actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))
