"""``/api/v1/apps/deployments`` and ``/instances``: deploy, roll back, observe drift,
re-sync (``apps:write``); read (``apps:read``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from apps.deployments import service as deployments
from apps.deployments.flows import OBSERVE_JOB
from apps.deployments.models import Deployment, Instance
from apps.deployments.schemas import DeploymentCreate, DeploymentRead, InstanceRead
from apps.errors import store
from controlplane import jobs
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.models import Job
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId

router = APIRouter()

Reader = Annotated[Principal, require("apps:read")]
Writer = Annotated[Principal, require("apps:write")]
ACCEPTED = status.HTTP_202_ACCEPTED
ServiceName = Annotated[str | None, Query(max_length=32, description="Service name.")]



# --- deployments ---------------------------------------------------------------------


def _accepted(db: DbSession, deployment: Deployment) -> JobAccepted:
    assert deployment.job_id is not None
    return JobAccepted(job=JobSummary.model_validate(db.get_one(Job, deployment.job_id)))


@router.post("/deployments", status_code=ACCEPTED, response_model=JobAccepted)
def create_deployment(body: DeploymentCreate, db: DbSession, caller: Writer) -> JobAccepted:
    """Deploy releases to targets: dependencies first, rolling or canary with health
    gating, automatic rollback. Bad input is refused before anything is deployed."""
    return _accepted(db, deployments.create(db, body, actor=caller.actor))


@router.get("/deployments", response_model=Page[DeploymentRead], responses=EXPORT_RESPONSES)
def list_deployments(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    state: Annotated[str | None, Query(max_length=16)] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DeploymentRead] | Response:
    """Deployments, newest first."""
    return page_or_export(db, deployments.deployment_query(state=state), paging, DeploymentRead,
                          format, title="Déploiements")


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


@router.get("/instances", response_model=Page[InstanceRead], responses=EXPORT_RESPONSES)
def list_instances(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[InstanceRead] | Response:
    """What runs where, its health and its drift (as last observed)."""
    return page_or_export(db, deployments.instance_query(service=service), paging, InstanceRead,
                          format, title="Instances déployées")


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
