"""Targets (the hosts services run on): created, changed, removed (never while
something runs there), listed with their site's network access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

import hosting
import network
from apps import errors
from apps.catalogue import service as catalogue
from apps.deployments.models import Deployment, Instance
from apps.deployments.service import ACTIVE
from apps.errors import store
from apps.targets.inventory import accesses
from apps.targets.models import AppTarget
from apps.targets.schemas import TargetCreate, TargetRead, TargetUpdate


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
    return store.update(db, target, values, actor=actor, read=TargetRead)


def delete_target(db: Session, target: AppTarget, *, actor: str) -> None:
    """Remove a target (409 while instances or a running deployment are on it)."""
    _check_not_busy(db, target)
    store.delete(db, target, actor=actor, read=TargetRead)


def target_query() -> Select[tuple[AppTarget]]:
    """Targets by name."""
    return select(AppTarget).order_by(AppTarget.name)


def reads(db: Session, rows: Sequence[AppTarget]) -> list[TargetRead]:
    """``rows`` as answers, each with its site's network access (one query for all)."""
    found = accesses(db, rows)
    return [TargetRead.model_validate(t).model_copy(update={"network_access": found.get(t.name)})
            for t in rows]
