"""Tenants: ``/api/v1/tenants``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane import tenants
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, TenantCreate, TenantKind, TenantRead, TenantUpdate

router = APIRouter(prefix=f"{API_PREFIX}/tenants", tags=["tenants"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenantRead)
def create_tenant(
    body: TenantCreate,
    db: DbSession,
    caller: Annotated[Principal, require("tenants:write")],
) -> TenantRead:
    """Register an establishment (409 if its FINESS exists)."""
    return TenantRead.model_validate(tenants.create(db, body, actor=caller.actor))


@router.get("", response_model=Page[TenantRead], responses=EXPORT_RESPONSES)
def list_tenants(
    db: DbSession,
    paging: PageParams,
    caller: Annotated[Principal, require("tenants:read")],
    kind: Annotated[TenantKind | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=3)] = None,
    active: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or FINESS contains.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[TenantRead] | Response:
    """Tenants the caller may see (an establishment: its own)."""
    stmt = tenants.list_query(
        kind=kind.value if kind else None, department=department, active=active, q=q
    )
    return page_or_export(db, stmt, paging, TenantRead, format, title="Établissements")


@router.get("/{finess}", response_model=TenantRead)
def get_tenant(
    finess: str, db: DbSession, caller: Annotated[Principal, require("tenants:read")]
) -> TenantRead:
    """One tenant (404 if unknown or not the caller's)."""
    return TenantRead.model_validate(tenants.get_by_finess(db, finess))


@router.patch("/{finess}", response_model=TenantRead)
def update_tenant(
    finess: str,
    body: TenantUpdate,
    db: DbSession,
    caller: Annotated[Principal, require("tenants:write")],
) -> TenantRead:
    """Change a tenant's name, kind or active flag."""
    tenant = tenants.get_by_finess(db, finess)
    return TenantRead.model_validate(tenants.update(db, tenant, body, actor=caller.actor))
