"""Jobs: the filtered list, one job's page (live through :mod:`.job_events`), cancelling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from controlplane import job_views, jobs
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console.identity import Visitor, allowed
from controlplane.console.rendering import render
from controlplane.console.routing import console_router
from controlplane.schemas import JobSummary

router = console_router()

PAGE_SIZE = 50
LOG_LINES = 200


@router.get("/console/jobs")
def job_list(
    request: Request,
    visitor: Annotated[Visitor, allowed("jobs:read")],
    state: str = "",
    kind: str = "",
    offset: int = 0,
) -> Response:
    """Jobs the visitor may see, newest first, filtered by state and kind."""
    filters = {"state": state if state in jobs.JOB_STATES else "", "kind": kind.strip()[:100]}
    with visitor.read() as db:
        stmt = job_views.list_query(state=filters["state"] or None, kind=filters["kind"] or None)
        page = page_of(db, stmt, Paging(limit=PAGE_SIZE, offset=max(0, offset)), JobSummary)
    context = {
        "page": page, "filters": filters, "states": jobs.JOB_STATES,
        "kinds": jobs.registered_kinds(), "page_size": PAGE_SIZE,
    }
    return render(request, "jobs/list.html", context)


@router.get("/console/jobs/{job_id}")
def job_detail(
    request: Request, job_id: int, visitor: Annotated[Visitor, allowed("jobs:read")]
) -> Response:
    """A job's state, progress, steps, log and result; followed live until it ends."""
    with visitor.read() as db:
        job = job_views.describe(db, job_views.get_job(db, job_id), log_tail=LOG_LINES)
    context = {"job": job, "terminal": job.state in jobs.TERMINAL_STATES}
    return render(request, "jobs/detail.html", context)


@router.post("/console/jobs/{job_id}/cancel")
def cancel_job(job_id: int, visitor: Annotated[Visitor, allowed("jobs:write")]) -> Response:
    """Ask the job to stop, with :func:`controlplane.jobs.request_cancel` (audited)."""
    with visitor.write() as db:
        jobs.request_cancel(db, job_views.get_job(db, job_id), actor=visitor.principal.actor)
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)
