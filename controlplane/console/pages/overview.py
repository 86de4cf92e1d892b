"""Overview: counts, jobs in progress, the audit chain's status and each plane's cards,
as the role may see them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane.console.cards import plane_cards
from controlplane.console.identity import Visitor, allowed
from controlplane.console.rendering import render
from controlplane.console.routing import console_router
from controlplane.jobs import JOB_STATES
from controlplane.models import Job, Tenant
from controlplane.schemas import JobSummary

router = console_router()

ACTIVE_JOBS_SHOWN = 10


def job_counts(db: Session) -> dict[str, int]:
    """How many jobs the session can see in each state."""
    counts = dict(db.execute(select(Job.state, func.count(Job.id)).group_by(Job.state)).all())
    return {state: int(counts.get(state, 0)) for state in JOB_STATES}


def active_jobs(db: Session, limit: int = ACTIVE_JOBS_SHOWN) -> list[JobSummary]:
    """Running jobs first, then queued ones, oldest first."""
    rows = db.scalars(
        select(Job)
        .where(Job.state.in_(("running", "queued")))
        .order_by(Job.state.desc(), Job.id)  # "running" sorts after "queued"
        .limit(limit)
    )
    return [JobSummary.model_validate(job) for job in rows]


def tenant_counts(db: Session) -> dict[str, int]:
    """Tenants the session can see: all of them and the active ones."""
    total = db.scalar(select(func.count(Tenant.id))) or 0
    active = db.scalar(select(func.count(Tenant.id)).where(Tenant.active.is_(True))) or 0
    return {"total": int(total), "active": int(active)}


@router.get("/console/")
def overview(request: Request, visitor: Annotated[Visitor, allowed("self:read")]) -> Response:
    """The landing page after sign-in."""
    with visitor.read() as db:
        context = {
            "tenants": tenant_counts(db) if visitor.can("tenants:read") else None,
            "jobs": job_counts(db) if visitor.can("jobs:read") else None,
            "active_jobs": active_jobs(db) if visitor.can("jobs:read") else [],
        }
    context["plane_cards"] = plane_cards(visitor)
    return render(request, "overview.html", context)
