"""Targets (the hosts services run on) and per-tenant enrolments in services."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from apps import catalogue, errors, store
from apps.models import AppTarget, Enrolment
from apps.schemas import EnrolmentCreate, EnrolmentRead, TargetCreate, TargetRead


def create_target(db: Session, body: TargetCreate, *, actor: str) -> AppTarget:
    """Register a target (409 if its name exists; 422 for ports of unknown services)."""
    if store.find(db, AppTarget, body.name) is not None:
        raise errors.duplicate("target", "name", body.name)
    services = catalogue.current()
    for service, ports in body.ports.items():
        known = services.get(service)
        if known is None:
            raise errors.invalid(f"ports.{service}", "no such service", errors.UNKNOWN_SERVICE)
        for name in ports:
            if name not in known.ports:
                raise errors.invalid(f"ports.{service}.{name}", f"{service} has no port {name}")
    target = AppTarget(**body.model_dump(mode="json"))
    db.add(target)
    db.flush()
    store.record(db, target, actor=actor, verb="create", read=TargetRead)
    return target


def target_query() -> Select[tuple[AppTarget]]:
    """Targets by name."""
    return select(AppTarget).order_by(AppTarget.name)


def enrol(db: Session, body: EnrolmentCreate, *, actor: str) -> Enrolment:
    """Enrol a tenant in a service; its settings must match the service's schema."""
    service = catalogue.current().get(body.service)
    if service is None:
        raise errors.invalid("service", f"no service {body.service!r}", errors.UNKNOWN_SERVICE)
    problems = catalogue.config_errors(service.tenant_settings_schema, body.settings)
    if problems:
        path, message = problems[0]
        raise errors.invalid(".".join(filter(None, ["settings", path])), message, errors.CONFIG)
    tenant = store.tenant(db, body.tenant)
    if db.scalar(select(Enrolment).where(Enrolment.tenant_id == tenant.id,
                                         Enrolment.service == service.name)) is not None:
        raise errors.duplicate("enrolment", "service", f"{service.name} for {tenant.finess}")
    enrolment = Enrolment(tenant_id=tenant.id, tenant=tenant, service=service.name,
                          settings=body.settings)
    db.add(enrolment)
    db.flush()
    store.record(db, enrolment, actor=actor, verb="create", read=EnrolmentRead)
    return enrolment


def enrolment_query(*, service: str | None = None) -> Select[tuple[Enrolment]]:
    """Enrolments by service then id (an establishment's session sees its own)."""
    stmt = select(Enrolment).order_by(Enrolment.service, Enrolment.id)
    if service:
        stmt = stmt.where(Enrolment.service == service)
    return stmt
