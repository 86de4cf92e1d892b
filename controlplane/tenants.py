"""Tenants: the establishments Socle serves, addressed by FINESS number."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from controlplane import audit
from controlplane.errors import Conflict, NotFound
from controlplane.models import Tenant
from controlplane.schemas import TenantCreate, TenantUpdate


def snapshot(tenant: Tenant) -> dict[str, Any]:
    """The audited view of a tenant."""
    return {
        "finess": tenant.finess,
        "name": tenant.name,
        "kind": tenant.kind,
        "department": tenant.department,
        "active": tenant.active,
    }


def normalized(finess: str) -> str:
    """A FINESS number as it is stored and looked up: no surrounding spaces, upper case
    (``2a...`` is ``2A...``). Not a validation: a malformed number is simply not found."""
    return finess.strip().upper()


def find_by_finess(db: Session, finess: str) -> Tenant | None:
    """The tenant with this FINESS, if the session's scope can see it."""
    return db.scalar(select(Tenant).where(Tenant.finess == normalized(finess)))


def find_all_by_finess(db: Session, finesses: Iterable[str]) -> list[Tenant]:
    """The tenants with these FINESS numbers that the session's scope can see."""
    wanted = {normalized(finess) for finess in finesses}
    return list(db.scalars(select(Tenant).where(Tenant.finess.in_(wanted))))


def get_by_finess(db: Session, finess: str) -> Tenant:
    """The tenant with this FINESS, if the session's scope can see it (else 404)."""
    tenant = find_by_finess(db, finess)
    if tenant is None:
        raise NotFound(detail=f"no tenant with FINESS {finess}", code="CP-0101")
    return tenant


def of_tenant(column: InstrumentedAttribute[Any], finess: str) -> ColumnElement[bool]:
    """Filter: ``column`` (a tenant id) is the tenant with this FINESS."""
    return column.in_(select(Tenant.id).where(Tenant.finess == normalized(finess)))


def create(db: Session, data: TenantCreate, *, actor: str) -> Tenant:
    """Create a tenant; a FINESS already registered is a conflict."""
    tenant = Tenant(
        finess=data.finess, name=data.name, kind=data.kind.value, department=data.department
    )
    db.add(tenant)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict(
            detail=f"FINESS {data.finess} is already registered", code="CP-0102"
        ) from None
    audit.record(
        db,
        actor=actor,
        action="tenant.create",
        target_type="tenant",
        target_id=tenant.finess,
        tenant_finess=tenant.finess,
        after=snapshot(tenant),
    )
    return tenant


def update(db: Session, tenant: Tenant, data: TenantUpdate, *, actor: str) -> Tenant:
    """Change a tenant's name, kind or active flag (audited with before and after)."""
    before = snapshot(tenant)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(tenant, name, value.value if hasattr(value, "value") else value)
    if snapshot(tenant) != before:
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="tenant.update",
            target_type="tenant",
            target_id=tenant.finess,
            tenant_finess=tenant.finess,
            before=before,
            after=snapshot(tenant),
        )
    return tenant


def list_query(
    *,
    kind: str | None = None,
    department: str | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> Select[tuple[Tenant]]:
    """The filtered listing of tenants (scoping is added by the session)."""
    stmt = select(Tenant).order_by(Tenant.finess)
    if kind:
        stmt = stmt.where(Tenant.kind == kind)
    if department:
        stmt = stmt.where(Tenant.department == department.upper())
    if active is not None:
        stmt = stmt.where(Tenant.active == active)
    if q:
        by_name = func.lower(Tenant.name).like(f"%{q.lower()}%")
        stmt = stmt.where(or_(by_name, Tenant.finess.like(f"%{q.upper()}%")))
    return stmt
