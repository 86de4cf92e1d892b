"""Targets (the hosts services run on) and per-tenant enrolments in services: created,
changed and removed, each change checked against what runs and audited.

A target stands at a network site (whose access, THD or MPLS, decides which services may
run there) and may be a hosting-plane VM (its address then comes from the provider). Both
are read through those planes' public functions, by key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

import hosting
import network
from apps import catalogue, errors, store
from apps.deployments import ACTIVE
from apps.inventory import accesses
from apps.models import AppTarget, Deployment, Enrolment, Instance
from apps.schemas import (
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentUpdate,
    TargetCreate,
    TargetRead,
    TargetUpdate,
)
from controlplane.models import Tenant
from controlplane.rows import references, snapshot


def _check_ports(ports: Mapping[str, Mapping[str, int]]) -> None:
    services = catalogue.current()
    for service, named in ports.items():
        known = services.get(service)
        if known is None:
            raise errors.invalid(f"ports.{service}", "no such service", errors.UNKNOWN_SERVICE)
        for name in named:
            if name not in known.ports:
                raise errors.invalid(f"ports.{service}.{name}", f"{service} has no port {name}")


def _site_access(db: Session, code: str | None) -> str | None:
    """The access of site ``code`` (422 when the network plane has no such site)."""
    if code is None:
        return None
    access = network.site_accesses(db, [code]).get(code)
    if access is None:
        raise errors.invalid("site", f"no network site {code!r}")
    return access


def _vm_address(db: Session, body: TargetCreate) -> str:
    """The target's address: given, or the private address of its hosting VM."""
    if body.hosting_instance is None:
        if body.address is None:
            raise errors.invalid("address", "an address is required (or a hosting_instance, "
                                            "whose address is then used)")
        return body.address
    vm = hosting.virtual_machine(db, body.hosting_instance)
    if vm is None:
        raise errors.invalid("hosting_instance", f"no hosting VM {body.hosting_instance!r}")
    if not vm.active:
        raise errors.invalid("hosting_instance", f"VM {vm.instance_id}'s subscription "
                                                 f"{vm.subscription_id} is not in service")
    owner = db.scalar(select(AppTarget.name).where(
        AppTarget.hosting_instance == body.hosting_instance))
    if owner is not None:
        raise errors.conflict(errors.DUPLICATE["target"], "hosting_instance",
                              f"VM {vm.instance_id} is already target {owner}")
    address = body.address or vm.address
    if address is None:
        raise errors.invalid("address", f"VM {vm.instance_id} has no recorded address; "
                                        "give the address to reach it")
    return address


def create_target(db: Session, body: TargetCreate, *, actor: str) -> AppTarget:
    """Register a target (409 if its name or VM is taken; 422 for an unknown site or VM,
    or ports of unknown services)."""
    if store.find(db, AppTarget, body.name) is not None:
        raise errors.duplicate("target", "name", body.name)
    _check_ports(body.ports)
    _site_access(db, body.site)
    values = body.model_dump(mode="json")
    values["address"] = _vm_address(db, body)
    target = AppTarget(**values)
    db.add(target)
    db.flush()
    store.record(db, target, actor=actor, verb="create", read=TargetRead)
    return target


def _running(db: Session, target: AppTarget) -> list[Instance]:
    return list(db.scalars(select(Instance).where(Instance.target_id == target.id)
                           .order_by(Instance.service)).all())


def _check_placement(db: Session, target: AppTarget, site: str | None) -> None:
    """409 when a service running on ``target`` could not run at ``site``."""
    access = _site_access(db, site)
    services = catalogue.current().services
    for instance in _running(db, target):
        service = services.get(instance.service)
        needed = service.network_access if service else None
        if needed and access != needed:
            raise errors.conflict(errors.PLACEMENT, "site",
                                  f"{instance.service} runs on {target.name} and needs a "
                                  f"{needed} site; {site or 'no site'} is "
                                  f"{access or 'unclassified'}")


def _check_not_busy(db: Session, target: AppTarget) -> None:
    for deployment in db.scalars(select(Deployment).where(Deployment.state.in_(ACTIVE))).all():
        if target.name in deployment.targets:
            raise errors.conflict(errors.BUSY, "target",
                                  f"deployment {deployment.id} to {target.name} is under way")


def update_target(db: Session, target: AppTarget, data: TargetUpdate, *,
                  actor: str) -> AppTarget:
    """Change how a target is reached, its ports or its site (409 while a deployment to it
    runs, when a service running there needs another access, or when services are
    installed under the prefix it would leave)."""
    values = data.changes()
    _check_not_busy(db, target)
    if "ports" in values:
        _check_ports(values["ports"])
    if "site" in values:
        _check_placement(db, target, values["site"])
    if values.get("prefix", target.prefix) != target.prefix and (running := _running(db, target)):
        raise errors.conflict(errors.INSTALLED, "prefix",
                              f"{', '.join(i.service for i in running)} installed under "
                              f"{target.prefix}; deploy them elsewhere first")
    before = snapshot(target, TargetRead)
    for field, value in values.items():
        setattr(target, field, value)
    db.flush()
    store.record(db, target, actor=actor, verb="update", read=TargetRead, before=before)
    return target


def delete_target(db: Session, target: AppTarget, *, actor: str) -> None:
    """Remove a target (409 while instances or a running deployment are on it)."""
    _check_not_busy(db, target)
    found = references(db, target)
    if found:
        raise errors.still_referenced("target", target.name, found)
    store.record(db, target, actor=actor, verb="delete", read=TargetRead, deleted=True)
    db.delete(target)
    db.flush()


def target_query() -> Select[tuple[AppTarget]]:
    """Targets by name."""
    return select(AppTarget).order_by(AppTarget.name)


def reads(db: Session, rows: Sequence[AppTarget]) -> list[TargetRead]:
    """``rows`` as answers, each with its site's network access (one query for all)."""
    found = accesses(db, rows)
    return [TargetRead.model_validate(t).model_copy(update={"network_access": found.get(t.name)})
            for t in rows]


# --- enrolments ----------------------------------------------------------------------


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
        stmt = stmt.where(Enrolment.tenant_id.in_(
            select(Tenant.id).where(Tenant.finess == tenant.strip().upper())))
    return stmt


def workload_query(*, tenant: str | None = None) -> Select[tuple[Enrolment]]:
    """The regional services an establishment uses (its enrolments; the service name is
    the workload's key), e.g. as EBIOS supporting assets."""
    return enrolment_query(tenant=tenant)
