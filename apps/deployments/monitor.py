"""Watching what runs between deployments: the health job (``apps.health``) checks every
instance with its service's health check (as a deployment's gate does, once, without
waiting), records each change of health, and marks the minute it checked in as answered
or not (:mod:`apps.deployments.uptime`: the services' measured availability); drift is
read by the observe job (:mod:`apps.deployments.flows`). Both are queued by the plane's
schedules (:mod:`apps.schedules`)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from apps.catalogue import service as catalogue
from apps.deployments import uptime
from apps.deployments.health import Health, check_once
from apps.deployments.models import Deployment, Instance
from apps.targets.inventory import host_vars
from controlplane import jobs
from controlplane.db import utcnow

HEALTH_JOB = "apps.health"
#: Health checks run at once (each waits 2 s at most for its instance).
PARALLEL_CHECKS = 8


@dataclass(frozen=True)
class _Check:
    """One instance's check, read from the database before any is run."""

    instance_id: int
    label: str
    health: catalogue.HealthCheck
    address: str
    ports: Mapping[str, int]
    config: Mapping[str, Any]


def _checks(ctx: jobs.StepContext) -> list[_Check]:
    services = catalogue.current().services
    found = []
    with ctx.read() as db:
        for instance in db.scalars(select(Instance).order_by(Instance.id)):
            service = services.get(instance.service)
            if service is None:
                continue
            origin = db.get(Deployment, instance.deployment_id) if instance.deployment_id \
                else None
            config = (origin.rendered.get(instance.service)
                      or origin.config.get(instance.service, {})) if origin else {}
            ports = host_vars(instance.target)["socle_ports"][instance.service]
            found.append(_Check(instance.id, f"{instance.service} on {instance.target.name}",
                                service.health, instance.target.address, ports, config))
    return found


def _check_all(ctx: jobs.StepContext) -> Mapping[str, Any]:
    checks = _checks(ctx)
    checked_at = utcnow()
    with ThreadPoolExecutor(max_workers=PARALLEL_CHECKS) as pool:
        outcomes: list[Health] = list(pool.map(
            lambda c: check_once(c.health, c.address, c.ports, c.config), checks))
    changes = []
    answered: dict[int, bool] = {}
    with ctx.transaction() as db:
        for check, outcome in zip(checks, outcomes, strict=True):
            instance = db.get(Instance, check.instance_id)
            if instance is None:  # removed meanwhile
                continue
            health = "healthy" if outcome.healthy else "unhealthy"
            if health != instance.health:
                changes.append((check.label, instance.health, health, outcome.detail))
            instance.health, instance.health_detail = health, outcome.detail
            answered[instance.id] = outcome.healthy
        uptime.record(db, answered, checked_at)
    for label, before, after, detail in changes:
        ctx.log(f"{label}: {before} → {after} ({detail})",
                level="info" if after == "healthy" else "warning")
    unhealthy = sum(1 for outcome in outcomes if not outcome.healthy)
    return {"instances": len(checks), "unhealthy": unhealthy, "changed": len(changes)}


HEALTH = jobs.register(jobs.JobKind(
    name=HEALTH_JOB,
    steps=(jobs.Step("check", _check_all),),
    description="Check every instance's health and record what changed.",
))
