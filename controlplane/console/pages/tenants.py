"""Tenants: the filtered list, one establishment's page, and the operators' forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import RedirectResponse

from controlplane import audit as audit_log
from controlplane import tenants
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of, paginate
from controlplane.console.forms import FormErrors
from controlplane.console.identity import Visitor, allowed
from controlplane.console.labels import choices
from controlplane.console.rendering import render
from controlplane.console.routing import console_router
from controlplane.errors import Conflict, InvalidInput
from controlplane.models import Job
from controlplane.schemas import (
    AuditRead,
    JobSummary,
    TenantCreate,
    TenantKind,
    TenantRead,
    TenantUpdate,
)

router = console_router()

PAGE_SIZE = 50
RECENT = 10
ACTIVE_CHOICES = {"": None, "oui": True, "non": False}
KINDS = [kind.value for kind in TenantKind]


@router.get("/console/tenants")
def tenant_list(
    request: Request,
    visitor: Annotated[Visitor, allowed("tenants:read")],
    q: str = "",
    kind: str = "",
    department: str = "",
    active: str = "",
    offset: int = 0,
) -> Response:
    """Tenants the visitor may see, filtered by name/FINESS, kind, department, status."""
    filters = {
        "q": q.strip(),
        "kind": kind if kind in KINDS else "",
        "department": department.strip().upper()[:3],
        "active": active if active in ACTIVE_CHOICES else "",
    }
    stmt = tenants.list_query(
        kind=filters["kind"] or None,
        department=filters["department"] or None,
        active=ACTIVE_CHOICES[filters["active"]],
        q=filters["q"] or None,
    )
    with visitor.read() as db:
        items, total = paginate(db, stmt, Paging(limit=PAGE_SIZE, offset=max(0, offset)))
        rows = [TenantRead.model_validate(t) for t in items]
    context = {
        "rows": rows, "total": total, "filters": filters, "offset": max(0, offset),
        "page_size": PAGE_SIZE, "kinds": choices("tenant_kind", KINDS),
    }
    return render(request, "tenants/list.html", context)


def _form_page(
    request: Request, *, values: dict[str, str], errors: FormErrors, tenant: TenantRead | None
) -> Response:
    status = 422 if errors else 200
    kind_options = [(code, f"{code} · {label}") for code, label in choices("tenant_kind", KINDS)]
    context = {"values": values, "errors": errors, "tenant": tenant, "kind_options": kind_options}
    return render(request, "tenants/form.html", context, status=status)


@router.get("/console/tenants/new")
def new_tenant_form(
    request: Request, visitor: Annotated[Visitor, allowed("tenants:write")]
) -> Response:
    """The form to register an establishment."""
    values = {"finess": "", "name": "", "kind": "ES", "department": ""}
    return _form_page(request, values=values, errors=FormErrors(), tenant=None)


@router.post("/console/tenants/new")
def create_tenant(
    request: Request,
    visitor: Annotated[Visitor, allowed("tenants:write")],
    finess: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
) -> Response:
    """Register an establishment with :func:`controlplane.tenants.create` (audited)."""
    values = {"finess": finess, "name": name, "kind": kind, "department": department}
    try:
        data = TenantCreate(
            finess=finess, name=name.strip(), kind=kind, department=department.strip() or None
        )
        with visitor.write() as db:
            created = tenants.create(db, data, actor=visitor.principal.actor)
    except ValidationError as exc:
        return _form_page(request, values=values, errors=FormErrors.from_validation(exc),
                          tenant=None)
    except (Conflict, InvalidInput) as exc:
        return _form_page(request, values=values, errors=FormErrors.from_domain(exc), tenant=None)
    return RedirectResponse(f"/console/tenants/{created.finess}?saved=1", status_code=303)


@router.get("/console/tenants/{finess}")
def tenant_detail(
    request: Request,
    finess: str,
    visitor: Annotated[Visitor, allowed("tenants:read")],
    saved: bool = False,
) -> Response:
    """One establishment (404 page if unknown or another tenant's), its jobs and audit."""
    with visitor.read() as db:
        tenant = tenants.get_by_finess(db, finess)
        jobs = []
        if visitor.can("jobs:read"):
            recent = select(Job).where(Job.tenant_id == tenant.id).order_by(Job.id.desc())
            jobs = [JobSummary.model_validate(j) for j in db.scalars(recent.limit(RECENT))]
        audit = None
        if visitor.can("audit:read"):
            audit = page_of(db, audit_log.list_query(tenant=tenant.finess),
                            Paging(limit=RECENT, offset=0), AuditRead)
        context = {
            "tenant": TenantRead.model_validate(tenant), "jobs": jobs, "audit": audit,
            "saved": saved,
        }
    return render(request, "tenants/detail.html", context)


@router.get("/console/tenants/{finess}/edit")
def edit_tenant_form(
    request: Request, finess: str, visitor: Annotated[Visitor, allowed("tenants:write")]
) -> Response:
    """The form to change an establishment's name, kind or status."""
    with visitor.read() as db:
        tenant = TenantRead.model_validate(tenants.get_by_finess(db, finess))
    values = {
        "name": tenant.name, "kind": tenant.kind.value, "active": "on" if tenant.active else "",
    }
    return _form_page(request, values=values, errors=FormErrors(), tenant=tenant)


@router.post("/console/tenants/{finess}/edit")
def update_tenant(
    request: Request,
    finess: str,
    visitor: Annotated[Visitor, allowed("tenants:write")],
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Apply the form with :func:`controlplane.tenants.update` (audited)."""
    values = {"name": name, "kind": kind, "active": active}
    with visitor.write() as db:
        tenant = tenants.get_by_finess(db, finess)
        try:
            data = TenantUpdate(name=name.strip(), kind=kind, active=active == "on")
        except ValidationError as exc:
            current = TenantRead.model_validate(tenant)
            return _form_page(request, values=values, errors=FormErrors.from_validation(exc),
                              tenant=current)
        tenants.update(db, tenant, data, actor=visitor.principal.actor)
    return RedirectResponse(f"/console/tenants/{tenant.finess}?saved=1", status_code=303)
