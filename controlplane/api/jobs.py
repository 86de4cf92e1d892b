"""Jobs: ``/api/v1/jobs``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from controlplane import jobs
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import paginate
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.errors import NotFound
from controlplane.models import Job, JobLog
from controlplane.schemas import JobAccepted, JobLogRead, JobRead, JobStepRead, JobSummary, Page

router = APIRouter(prefix=f"{API_PREFIX}/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


def load_job(db: DbSession, job_id: int) -> Job:
    """A job visible to the session's scope (404 otherwise)."""
    job = db.get(Job, job_id)
    if job is None:
        raise NotFound(detail=f"no job {job_id}", code="CP-0202")
    return job


def job_read(db: DbSession, job: Job, *, log_tail: int = 500) -> JobRead:
    """A job with its steps and the last ``log_tail`` lines of its log."""
    lines = db.scalars(
        select(JobLog).where(JobLog.job_id == job.id).order_by(JobLog.id.desc()).limit(log_tail)
    ).all()
    return JobRead(
        **JobSummary.model_validate(job).model_dump(),
        params=job.params,
        result=job.result,
        steps=[JobStepRead.model_validate(s) for s in job.steps],
        log=[JobLogRead.model_validate(line) for line in reversed(lines)],
    )


@router.get("", response_model=Page[JobSummary])
def list_jobs(
    db: DbSession,
    paging: PageParams,
    caller: Annotated[Principal, require("jobs:read")],
    state: Annotated[str | None, Query(pattern="^(" + "|".join(jobs.JOB_STATES) + ")$")] = None,
    kind: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[JobSummary]:
    """Jobs, newest first (an establishment: its own)."""
    stmt = select(Job).order_by(Job.id.desc())
    if state:
        stmt = stmt.where(Job.state == state)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    items, total = paginate(db, stmt, paging)
    return Page[JobSummary](
        items=[JobSummary.model_validate(j) for j in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/{job_id}", response_model=JobRead)
def get_job(
    job_id: int, db: DbSession, caller: Annotated[Principal, require("jobs:read")]
) -> JobRead:
    """A job's state, progress, steps, log and result."""
    return job_read(db, load_job(db, job_id))


@router.post("/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def cancel_job(
    job_id: int, db: DbSession, caller: Annotated[Principal, require("jobs:write")]
) -> JobAccepted:
    """Cancel a queued job now, or a running one before its next step."""
    job = jobs.request_cancel(db, load_job(db, job_id), actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))
