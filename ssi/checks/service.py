"""Technical checks: endpoints an establishment declares, check jobs, dated results.

Declaring an endpoint needs ``ssi:answer`` (the establishment knows its exposure);
running checks needs ``ssi:write`` (the RSSI or an operator), since a check connects to
the declared hosts. Those hosts must be public addresses, or names resolving only to
public addresses, unless in ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS``: refused when
declared (422 :data:`NOT_PUBLIC`) and vetted again before each check
(:mod:`ssi.checks.addresses`). Checks run as a job (:data:`CHECK_JOB`): one result per endpoint,
written as soon as that endpoint is checked, so a job resumed after a crash goes on
with the endpoints not yet done.
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

import network
from controlplane import jobs
from controlplane.errors import Conflict, InvalidInput
from controlplane.models import Job, Tenant
from ssi.checks import addresses
from ssi.checks.models import CheckResult, CheckTarget
from ssi.checks.schemas import CheckRun, TargetCreate, TargetRead
from ssi.errors import DUPLICATE_TARGET, NOT_PUBLIC, NOTHING_TO_CHECK, UNKNOWN_TARGET, store

CHECK_JOB = "ssi.checks"

log = logging.getLogger(__name__)


def create_target(db: Session, tenant: Tenant, data: TargetCreate, *, actor: str) -> CheckTarget:
    """Declare an endpoint of ``tenant`` to check (409 if the name is taken, 422 if its
    host is not public nor allowed), audited. A name that does not resolve yet is
    accepted: the check vets it when it runs."""
    try:
        addresses.vet(data.host, addresses.allowed_networks(), unresolved_ok=True)
    except addresses.Refused as refused:
        raise InvalidInput.on("host", refused.message, code=NOT_PUBLIC) from None
    taken = db.scalar(select(CheckTarget.id).where(CheckTarget.tenant_id == tenant.id,
                                                   CheckTarget.name == data.name))
    if taken is not None:
        raise Conflict(detail=f"{tenant.finess} already declared an endpoint {data.name}",
                       code=DUPLICATE_TARGET)
    target = CheckTarget(tenant_id=tenant.id, tenant=tenant, created_by=actor,
                         **data.model_dump())
    db.add(target)
    db.flush()
    store.record(db, target, actor=actor, verb="create", read=TargetRead)
    return target


ROUTER_PORTS = (22, 23, 80, 443, 830)  # SSH, telnet, web UIs, NETCONF


def discover_targets(db: Session, tenant: Tenant, *, actor: str) -> list[CheckTarget]:
    """Declare, for each of the tenant's routers Socle manages (network plane), an
    endpoint ``router-<hostname>`` on its management address: only its SSH port is
    expected open, and that port gets the SSH audit. Routers already declared are left
    as they are, and so are routers whose management address is not public (nor in
    ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS``); returns the endpoints created."""
    created = []
    allowed = addresses.allowed_networks()
    for device in db.scalars(network.device_query(tenant=tenant.finess)):
        try:
            addresses.vet(device.mgmt_address, allowed, unresolved_ok=True)
        except addresses.Refused as refused:
            log.info("router %s of %s not declared for the checks: %s", device.hostname,
                     tenant.finess, refused.message)
            continue
        name = f"router-{device.hostname}"[:100]
        exists = db.scalar(select(CheckTarget.id).where(CheckTarget.tenant_id == tenant.id,
                                                        CheckTarget.name == name))
        if exists is not None:
            continue
        data = TargetCreate(name=name, host=device.mgmt_address,
                            ports=[*ROUTER_PORTS, device.mgmt_port],
                            expected_open=[device.mgmt_port], ssh_ports=[device.mgmt_port])
        created.append(create_target(db, tenant, data, actor=actor))
    return created


def target_query(tenant: Tenant) -> Select[tuple[CheckTarget]]:
    """The endpoints of ``tenant``, by name."""
    return select(CheckTarget).where(CheckTarget.tenant_id == tenant.id).order_by(CheckTarget.name)


def result_query(tenant: Tenant, target: str | None = None) -> Select[tuple[CheckResult]]:
    """The check results of ``tenant`` (of one endpoint), newest first."""
    stmt = select(CheckResult).where(CheckResult.tenant_id == tenant.id)
    if target is not None:
        stmt = stmt.join(CheckTarget).where(CheckTarget.name == target)
    return stmt.order_by(CheckResult.checked_at.desc(), CheckResult.id.desc())


def enqueue_checks(db: Session, tenant: Tenant, body: CheckRun, *, actor: str) -> Job:
    """Queue a check job for the named endpoints of ``tenant`` (all of them by default)."""
    targets = list(db.scalars(target_query(tenant)))
    if body.targets:
        known = {target.name: target for target in targets}
        unknown = [name for name in body.targets if name not in known]
        if unknown:
            raise InvalidInput.on("targets", f"unknown endpoint(s): {', '.join(unknown)}",
                                  code=UNKNOWN_TARGET)
        targets = [known[name] for name in body.targets]
    if not targets:
        raise InvalidInput.on("targets", f"{tenant.finess} declared no endpoint to check",
                              code=NOTHING_TO_CHECK)
    return jobs.enqueue(db, kind=CHECK_JOB, actor=actor, tenant_id=tenant.id,
                        tenant_finess=tenant.finess,
                        params={"target_ids": [target.id for target in targets]})
