"""Audit log: ``/api/v1/audit``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from controlplane import audit
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import AuditRead, AuditVerification, Page

JSONL = "application/x-ndjson"
EXPORT_LIMIT = 10_000

router = APIRouter(prefix=f"{API_PREFIX}/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[AuditRead], responses=EXPORT_RESPONSES)
def list_audit(
    db: DbSession,
    paging: PageParams,
    caller: Annotated[Principal, require("audit:read")],
    action: Annotated[str | None, Query(max_length=100)] = None,
    target_type: Annotated[str | None, Query(max_length=64)] = None,
    tenant: Annotated[str | None, Query(max_length=9, description="FINESS")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Actor contains.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[AuditRead] | Response:
    """Audit records, newest first."""
    stmt = audit.list_query(action=action, target_type=target_type, tenant=tenant, actor=actor)
    return page_or_export(db, stmt, paging, AuditRead, format, title="Journal d'audit")


@router.get("/verify", response_model=AuditVerification)
def verify_audit(
    db: DbSession, caller: Annotated[Principal, require("audit:read")]
) -> AuditVerification:
    """Walk the chain with its keys; ``first_bad`` and ``first_bad_seq`` name the first
    broken record."""
    result = audit.verify(db)
    return AuditVerification(
        ok=result.ok, first_bad=result.first_bad, first_bad_seq=result.first_bad_seq,
        checked=result.checked, reason=result.reason,
    )


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {JSONL: {}}, "description": "One record per line, oldest first."}},
)
def export_audit(
    db: DbSession,
    caller: Annotated[Principal, require("audit:read")],
    since: Annotated[int, Query(ge=0, description="Only the records after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=EXPORT_LIMIT)] = 1000,
) -> Response:
    """The records after ``since``, oldest first, as JSON lines for a SIEM (each with its
    seq, hash and key id); ask again with ``since`` the last seq received."""
    lines = audit.export_lines(db, since=since, limit=limit)
    return Response("".join(f"{line}\n" for line in lines), media_type=JSONL)
