"""The audit log: filtered list, and verification of its hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response

from controlplane import audit
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console.identity import Visitor, allowed
from controlplane.console.rendering import render
from controlplane.console.routing import console_router
from controlplane.schemas import AuditRead

router = console_router()

PAGE_SIZE = 50


@router.get("/console/audit")
def audit_list(
    request: Request,
    visitor: Annotated[Visitor, allowed("audit:read")],
    action: str = "",
    target_type: str = "",
    tenant: str = "",
    actor: str = "",
    offset: int = 0,
) -> Response:
    """Audit records, newest first, filtered by action, object type, tenant and actor."""
    filters = {
        "action": action.strip()[:100], "target_type": target_type.strip()[:64],
        "tenant": tenant.strip().upper()[:9], "actor": actor.strip()[:200],
    }
    with visitor.read() as db:
        stmt = audit.list_query(
            action=filters["action"] or None, target_type=filters["target_type"] or None,
            tenant=filters["tenant"] or None, actor=filters["actor"] or None,
        )
        page = page_of(db, stmt, Paging(limit=PAGE_SIZE, offset=max(0, offset)), AuditRead)
    return render(request, "audit/list.html",
                  {"page": page, "filters": filters, "page_size": PAGE_SIZE})


@router.get("/console/audit/verify")
def audit_verify(request: Request, visitor: Annotated[Visitor, allowed("audit:read")]) -> Response:
    """Walk the chain; a fragment for htmx (overview, verify button), else a full page."""
    with visitor.read() as db:
        result = audit.verify(db)
    fragment = bool(request.headers.get("HX-Request"))
    name = "audit/_verify.html" if fragment else "audit/verify.html"
    return render(request, name, {"result": result})
