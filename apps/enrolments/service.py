"""Per-tenant enrolments in services: created (settings checked against the service's
schema), changed, removed; and the workloads they add up to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from apps import errors
from apps.catalogue import service as catalogue
from apps.enrolments.models import Enrolment
from apps.enrolments.schemas import EnrolmentCreate, EnrolmentRead, EnrolmentUpdate
from apps.errors import store
from controlplane.rows import snapshot
from controlplane.tenants import of_tenant


def _checked_settings(service_name: str, settings: Mapping[str, Any]) -> None:
    service = catalogue.current().get(service_name)
    if service is None:
        raise errors.invalid("service", f"no service {service_name!r}", errors.UNKNOWN_SERVICE)
    problems = catalogue.config_errors(service.tenant_settings_schema, dict(settings))
    if problems:
        path, message = problems[0]
        raise errors.invalid(".".join(filter(None, ["settings", path])), message, errors.CONFIG)


def enrol(db: Session, body: EnrolmentCreate, *, actor: str) -> Enrolment:
    """Enrol a tenant in a service; its settings must match the service's schema."""
    _checked_settings(body.service, body.settings)
    tenant = store.tenant(db, body.tenant)
    if db.scalar(select(Enrolment).where(Enrolment.tenant_id == tenant.id,
                                         Enrolment.service == body.service)) is not None:
        raise errors.duplicate("enrolment", "service", f"{body.service} for {tenant.finess}")
    enrolment = Enrolment(tenant_id=tenant.id, tenant=tenant, service=body.service,
                          settings=body.settings)
    db.add(enrolment)
    db.flush()
    store.record(db, enrolment, actor=actor, verb="create", read=EnrolmentRead)
    return enrolment


def update_enrolment(db: Session, enrolment: Enrolment, data: EnrolmentUpdate, *,
                     actor: str) -> Enrolment:
    """Replace an enrolment's settings (checked against the service's schema); the
    running instances show as out of date until the service is deployed again."""
    _checked_settings(enrolment.service, data.settings)
    before = snapshot(enrolment, EnrolmentRead)
    enrolment.settings = dict(data.settings)
    db.flush()
    store.record(db, enrolment, actor=actor, verb="update", read=EnrolmentRead, before=before)
    return enrolment


def delete_enrolment(db: Session, enrolment: Enrolment, *, actor: str) -> None:
    """End an establishment's use of a service (taken out of the configuration at the
    service's next deployment)."""
    store.record(db, enrolment, actor=actor, verb="delete", read=EnrolmentRead, deleted=True)
    db.delete(enrolment)
    db.flush()


def enrolment_query(*, service: str | None = None,
                    tenant: str | None = None) -> Select[tuple[Enrolment]]:
    """Enrolments by service then id, of one service or one establishment (FINESS) if
    given (an establishment's session sees its own)."""
    stmt = select(Enrolment).order_by(Enrolment.service, Enrolment.id)
    if service:
        stmt = stmt.where(Enrolment.service == service)
    if tenant:
        stmt = stmt.where(of_tenant(Enrolment.tenant_id, tenant))
    return stmt


def workload_query(*, tenant: str | None = None) -> Select[tuple[Enrolment]]:
    """The regional services an establishment uses (its enrolments; the service name is
    the workload's key), e.g. as EBIOS supporting assets."""
    return enrolment_query(tenant=tenant)
