"""Reading jobs for people and scripts: listings and the detailed view (API, CLI, console)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.errors import NotFound
from controlplane.models import Job, JobLog
from controlplane.schemas import JobLogRead, JobRead, JobStepRead, JobSummary


def list_query(*, state: str | None = None, kind: str | None = None) -> Select[tuple[Job]]:
    """Jobs newest first, filtered (tenant scoping is added by the session)."""
    stmt = select(Job).order_by(Job.id.desc())
    if state:
        stmt = stmt.where(Job.state == state)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return stmt


def get_job(db: Session, job_id: int) -> Job:
    """A job visible to the session's scope (404 otherwise)."""
    job = db.get(Job, job_id)
    if job is None:
        raise NotFound(detail=f"no job {job_id}", code="CP-0202")
    return job


def describe(db: Session, job: Job, *, log_tail: int = 500) -> JobRead:
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
