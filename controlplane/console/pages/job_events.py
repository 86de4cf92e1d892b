"""A job's live progress as server-sent events, until it ends (bounded in time).

Each ``job`` event carries the job's live block rendered as HTML (the same template as
the page), sent when it changes; an ``end`` event says the job is over (or gone from
the visitor's sight) and the browser stops listening. A stream lasts at most
:data:`STREAM_SECONDS`; the browser then reconnects, which re-checks the session.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from controlplane import job_views
from controlplane.console.identity import Visitor, allowed, session_principal, signed_in
from controlplane.console.pages.jobs import LOG_LINES
from controlplane.console.rendering import templates
from controlplane.console.routing import console_router
from controlplane.console.session import ConsoleSession
from controlplane.errors import NotFound
from controlplane.jobs import TERMINAL_STATES

router = console_router()

POLL_SECONDS = 0.5
STREAM_SECONDS = 60.0
RETRY_MS = 2000


def visible_job(job_id: int, visitor: Annotated[Visitor, Depends(signed_in)]) -> int:
    """The job's id once it is known to be visible to the visitor (404 page otherwise)."""
    with visitor.read() as db:
        job_views.get_job(db, job_id)
    return job_id


def snapshot(visitor: Visitor, current: ConsoleSession, job_id: int,
             ) -> tuple[str, bool] | None:
    """The job's live block and whether it is over; None if the visitor lost sight of it
    (signed out, its token revoked or expired, or the job out of its sight)."""
    if session_principal(visitor.database, current) is None:
        return None
    try:
        with visitor.read() as db:
            job = job_views.describe(db, job_views.get_job(db, job_id), log_tail=LOG_LINES)
    except NotFound:
        return None
    html = templates().get_template("jobs/_live.html").render(job=job)
    return html, job.state in TERMINAL_STATES


@router.get("/console/jobs/{job_id}/events", response_class=EventSourceResponse)
async def job_events(
    request: Request,
    visitor: Annotated[Visitor, allowed("jobs:read")],
    job_id: Annotated[int, Depends(visible_job)],
) -> AsyncIterator[ServerSentEvent]:
    """Stream the job's live block while it changes; stop when it ends or after a while."""
    deadline = time.monotonic() + STREAM_SECONDS
    last = None
    while True:
        current = await run_in_threadpool(snapshot, visitor, request.state.console_session,
                                          job_id)
        if current is None:
            yield ServerSentEvent(event="end", raw_data="gone", retry=RETRY_MS)
            return
        html, over = current
        if html != last:
            yield ServerSentEvent(event="job", raw_data=html, retry=RETRY_MS)
            last = html
        if over:
            yield ServerSentEvent(event="end", raw_data="over")
            return
        if time.monotonic() > deadline or await request.is_disconnected():
            return
        await anyio.sleep(POLL_SECONDS)
