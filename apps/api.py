"""The apps plane's HTTP API: ``/api/v1/apps/...`` (services, releases, targets,
enrolments, deployments, instances, inventory).

Reads need ``apps:read`` (an establishment sees its own enrolments only; another
tenant's answers 404); changes need ``apps:write`` (operators): targets and enrolments are
created, changed (PATCH) and removed (DELETE), each audited. Deployments, rollbacks,
drift checks and re-syncs answer 202 with the job to follow.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from apps import catalogue, deployments, errors, store, targets
from apps.flows import OBSERVE_JOB
from apps.inventory import full as full_inventory
from apps.models import AppTarget, Deployment, Enrolment, Instance
from apps.schemas import (
    DeploymentCreate,
    DeploymentRead,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentUpdate,
    InstanceRead,
    ReleaseRead,
    ServiceRead,
    TargetCreate,
    TargetRead,
    TargetUpdate,
    VersionRead,
)
from controlplane import jobs
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import page_of, paginate
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.models import Job
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId

router = APIRouter(prefix=f"{API_PREFIX}/apps", tags=["apps"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, require("apps:read")]
Writer = Annotated[Principal, require("apps:write")]
CREATED = status.HTTP_201_CREATED
ACCEPTED = status.HTTP_202_ACCEPTED
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}
ServiceName = Annotated[str | None, Query(max_length=32, description="Service name.")]


def _page(items: list[Any], paging: Any) -> dict[str, Any]:
    return {"items": items[paging.offset:paging.offset + paging.limit], "total": len(items),
            "limit": paging.limit, "offset": paging.offset}


def _service_read(service: catalogue.Service, tenants: list[str]) -> ServiceRead:
    return ServiceRead(
        **service.model_dump(mode="json", exclude={"versions"}),
        versions=[VersionRead(version=v.version, artifact=v.artifact, sha256=v.sha256)
                  for v in service.versions],
        tenants=tenants,
    )


def _enrolled(db: DbSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in db.scalars(targets.enrolment_query()).all():
        found.setdefault(row.service, []).append(row.tenant.finess)
    return found


# --- catalogue -----------------------------------------------------------------------


@router.get("/services", response_model=Page[ServiceRead])
def list_services(db: DbSession, paging: PageParams, caller: Reader) -> dict[str, Any]:
    """The service catalogue, by name, with the establishments enrolled (an
    establishment sees only its own enrolments)."""
    enrolled = _enrolled(db)
    items = [_service_read(s, enrolled.get(n, []))
             for n, s in sorted(catalogue.current().services.items())]
    return _page(items, paging)


@router.get("/services/{name}", response_model=ServiceRead)
def get_service(name: str, db: DbSession, caller: Reader) -> ServiceRead:
    """One service of the catalogue."""
    service = catalogue.current().get(name)
    if service is None:
        raise errors.not_found("service", name)
    return _service_read(service, _enrolled(db).get(name, []))


@router.get("/releases", response_model=Page[ReleaseRead])
def list_releases(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None
) -> dict[str, Any]:
    """Every version of every service, with the targets running it."""
    running: dict[tuple[str, str], list[str]] = {}
    for instance in db.scalars(deployments.instance_query(service=service)).all():
        running.setdefault((instance.service, instance.version), []).append(instance.target.name)
    items = [
        ReleaseRead(service=name, version=v.version, sha256=v.sha256,
                    targets=running.get((name, v.version), []))
        for name, s in sorted(catalogue.current().services.items())
        if service in (None, name)
        for v in s.versions
    ]
    return _page(items, paging)


# --- targets and enrolments ----------------------------------------------------------


@router.post("/targets", status_code=CREATED, response_model=TargetRead)
def create_target(body: TargetCreate, db: DbSession, caller: Writer) -> TargetRead:
    """Register a host to deploy to, by address or as a hosting-plane VM (409 if its name
    or VM is taken; 422 for an unknown network site or VM)."""
    return targets.reads(db, [targets.create_target(db, body, actor=caller.actor)])[0]


@router.get("/targets", response_model=Page[TargetRead])
def list_targets(db: DbSession, paging: PageParams, caller: Reader) -> dict[str, Any]:
    """Targets, by name, each with its network site's access."""
    rows, total = paginate(db, targets.target_query(), paging)
    return {"items": targets.reads(db, rows), "total": total, "limit": paging.limit,
            "offset": paging.offset}


@router.get("/targets/{target_id}", response_model=TargetRead)
def get_target(target_id: RowId, db: DbSession, caller: Reader) -> TargetRead:
    """One target."""
    return targets.reads(db, [store.get(db, AppTarget, target_id)])[0]


@router.patch("/targets/{target_id}", response_model=TargetRead)
def update_target(target_id: RowId, body: TargetUpdate, db: DbSession,
                  caller: Writer) -> TargetRead:
    """Change how a target is reached, its ports or its network site (409 while a
    deployment to it runs, when a service there needs another access, or when services
    are installed under the prefix it would leave)."""
    target = store.get(db, AppTarget, target_id)
    return targets.reads(db, [targets.update_target(db, target, body, actor=caller.actor)])[0]


@router.delete("/targets/{target_id}", **GONE)
def delete_target(target_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a target (409 while instances run on it or a deployment to it runs)."""
    targets.delete_target(db, store.get(db, AppTarget, target_id), actor=caller.actor)


@router.post("/enrolments", status_code=CREATED, response_model=EnrolmentRead)
def create_enrolment(body: EnrolmentCreate, db: DbSession, caller: Writer) -> EnrolmentRead:
    """Enrol an establishment in a service with its settings (checked against the
    service's schema); they are rendered into the configuration at the next deployment."""
    return EnrolmentRead.model_validate(targets.enrol(db, body, actor=caller.actor))


@router.get("/enrolments", response_model=Page[EnrolmentRead])
def list_enrolments(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None
) -> Page[EnrolmentRead]:
    """Enrolments (an establishment: its own)."""
    return page_of(db, targets.enrolment_query(service=service), paging, EnrolmentRead)


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentRead)
def get_enrolment(enrolment_id: RowId, db: DbSession, caller: Reader) -> EnrolmentRead:
    """One enrolment (404 if another tenant's)."""
    return EnrolmentRead.model_validate(store.get(db, Enrolment, enrolment_id))


@router.patch("/enrolments/{enrolment_id}", response_model=EnrolmentRead)
def update_enrolment(enrolment_id: RowId, body: EnrolmentUpdate, db: DbSession,
                     caller: Writer) -> EnrolmentRead:
    """Replace an enrolment's settings; running instances show as out of date (drift)
    until the service is deployed again."""
    enrolment = store.get(db, Enrolment, enrolment_id)
    return EnrolmentRead.model_validate(
        targets.update_enrolment(db, enrolment, body, actor=caller.actor))


@router.delete("/enrolments/{enrolment_id}", **GONE)
def delete_enrolment(enrolment_id: RowId, db: DbSession, caller: Writer) -> None:
    """End an establishment's use of a service (out of the configuration at the next
    deployment)."""
    targets.delete_enrolment(db, store.get(db, Enrolment, enrolment_id), actor=caller.actor)


# --- deployments ---------------------------------------------------------------------


def _accepted(db: DbSession, deployment: Deployment) -> JobAccepted:
    assert deployment.job_id is not None
    return JobAccepted(job=JobSummary.model_validate(db.get_one(Job, deployment.job_id)))


@router.post("/deployments", status_code=ACCEPTED, response_model=JobAccepted)
def create_deployment(body: DeploymentCreate, db: DbSession, caller: Writer) -> JobAccepted:
    """Deploy releases to targets: dependencies first, rolling or canary with health
    gating, automatic rollback. Bad input is refused before anything is deployed."""
    return _accepted(db, deployments.create(db, body, actor=caller.actor))


@router.get("/deployments", response_model=Page[DeploymentRead])
def list_deployments(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    state: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[DeploymentRead]:
    """Deployments, newest first."""
    return page_of(db, deployments.deployment_query(state=state), paging, DeploymentRead)


@router.get("/deployments/{deployment_id}", response_model=DeploymentRead)
def get_deployment(deployment_id: RowId, db: DbSession, caller: Reader) -> DeploymentRead:
    """One deployment and its outcome (``reason`` says why it failed or rolled back)."""
    return DeploymentRead.model_validate(store.get(db, Deployment, deployment_id))


@router.post("/deployments/{deployment_id}/rollback", status_code=ACCEPTED,
             response_model=JobAccepted)
def rollback_deployment(deployment_id: RowId, db: DbSession, caller: Writer) -> JobAccepted:
    """Deploy again the versions this deployment replaced (409 if it replaced none)."""
    deployment = store.get(db, Deployment, deployment_id)
    return _accepted(db, deployments.rollback(db, deployment, actor=caller.actor))


# --- instances, drift, inventory -----------------------------------------------------


@router.get("/instances", response_model=Page[InstanceRead])
def list_instances(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None
) -> Page[InstanceRead]:
    """What runs where, its health and its drift (as last observed)."""
    return page_of(db, deployments.instance_query(service=service), paging, InstanceRead)


@router.get("/instances/{instance_id}", response_model=InstanceRead)
def get_instance(instance_id: RowId, db: DbSession, caller: Reader) -> InstanceRead:
    """One instance."""
    return InstanceRead.model_validate(store.get(db, Instance, instance_id))


@router.post("/instances/observe", status_code=ACCEPTED, response_model=JobAccepted)
def observe_instances(db: DbSession, caller: Writer) -> JobAccepted:
    """Read what runs on the targets and record each instance's drift (a job)."""
    job = jobs.enqueue(db, kind=OBSERVE_JOB, params={}, actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.post("/instances/resync", status_code=ACCEPTED, response_model=list[DeploymentRead])
def resync_instances(db: DbSession, caller: Writer) -> list[DeploymentRead]:
    """Deploy drifted instances back to what they should run (one deployment per service)."""
    return [DeploymentRead.model_validate(d) for d in deployments.resync(db, actor=caller.actor)]


@router.get("/inventory")
def get_inventory(db: DbSession, caller: Reader) -> dict[str, Any]:
    """The Ansible inventory of the targets (``ansible-inventory --list`` shape), for
    ``inventory/socle_inventory.py``."""
    return full_inventory(db)

