"""``/api/v1/hosting/archives``: deposit, list, show, integrity check and retrieval.

A deposit's body is the document itself (``application/octet-stream``), spooled to a
temporary file as it arrives; the subscription and the document's name are query
parameters. Establishments deposit, check and read their own archives
(``hosting:request`` / ``hosting:read``); another tenant's archive answers 404.
``POST /hosting/archive/verify`` (operators) queues the periodic check of every
document due for one, at once: the job to follow.
"""

from __future__ import annotations

import tempfile
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from hosting.archive import flows
from hosting.archive import service as archive
from hosting.archive.models import ArchiveItem
from hosting.archive.schemas import ArchiveRead, VerifyAllStart
from hosting.errors import store
from hosting.subscriptions.models import Subscription

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]
Requester = Annotated[Principal, require("hosting:request")]
Writer = Annotated[Principal, require("hosting:write")]


@router.post(
    "/archives",
    status_code=status.HTTP_201_CREATED,
    response_model=ArchiveRead,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def deposit(
    request: Request,
    db: DbSession,
    caller: Requester,
    subscription_id: Annotated[RowId, Query(description="The archive subscription.")],
    name: Annotated[str, Query(max_length=255, description="The document's name.")],
) -> ArchiveRead:
    """Deposit the body as a write-once document (409 if the name exists, 502 provider)."""
    with tempfile.SpooledTemporaryFile(max_size=archive.SPOOL_BYTES) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)

        def _deposit() -> ArchiveRead:
            subscription = store.get(db, Subscription, subscription_id)
            item = archive.deposit(
                db, subscription, name, archive.read_file(body), actor=caller.actor
            )
            return ArchiveRead.model_validate(item)

        return await run_in_threadpool(_deposit)


@router.get("/archives", response_model=Page[ArchiveRead], responses=EXPORT_RESPONSES)
def list_archives(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    subscription_id: RowId | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ArchiveRead] | Response:
    """Archived documents, newest first (an establishment: its own)."""
    stmt = archive.archive_query(tenant=tenant, subscription=subscription_id)
    return page_or_export(db, stmt, paging, ArchiveRead, format, title="Archives")


@router.get("/archives/{archive_id}", response_model=ArchiveRead)
def get_archive(archive_id: RowId, db: DbSession, caller: Reader) -> ArchiveRead:
    """One archived document and its last integrity check."""
    return ArchiveRead.model_validate(store.get(db, ArchiveItem, archive_id))


@router.post("/archives/{archive_id}/verify", response_model=ArchiveRead)
def verify_archive(archive_id: RowId, db: DbSession, caller: Requester) -> ArchiveRead:
    """Re-read every copy against the digest recorded at deposit; the outcome is recorded."""
    item = archive.verify(db, store.get(db, ArchiveItem, archive_id), actor=caller.actor)
    return ArchiveRead.model_validate(item)


@router.get(
    "/archives/{archive_id}/content",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_archive_content(archive_id: RowId, db: DbSession, caller: Reader) -> StreamingResponse:
    """The document, byte for byte, from a copy whose SHA-256 checks out (502 if none)."""
    item = store.get(db, ArchiveItem, archive_id)
    content = archive.retrieve(db, item)
    return StreamingResponse(
        archive.read_file(content),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.name)}",
            "Content-Length": str(item.size_bytes),
            "X-Socle-SHA256": item.sha256,
        },
        background=BackgroundTask(content.close),
    )


@router.post("/archive/verify", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def verify_all(
    db: DbSession, caller: Writer, body: Annotated[VerifyAllStart | None, Body()] = None
) -> JobAccepted:
    """Check every document not checked for N days (and every damaged one): the job.

    If a check is already queued or running, that one is answered.
    """
    days = body.older_than_days if body is not None else None
    job = flows.start_verification(db, actor=caller.actor, older_than_days=days)
    return JobAccepted(job=JobSummary.model_validate(job))
