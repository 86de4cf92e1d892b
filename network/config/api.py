"""``/api/v1/network``: plans, apply, drift, device configurations, backups, migrations.

Included in :data:`network.api.router` (same prefix and tags). Reads need
``network:read`` (an establishment sees its own routers only), the rest
``network:write``. No answer carries a secret: configurations hold placeholders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, items_page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from network.config import drift, flows, migrations, plans
from network.config.schemas import (
    ApplyCreate,
    DeviceConfigRead,
    DriftItem,
    DriftStatus,
    MigrationCreate,
    MigrationPlanned,
    MigrationRead,
    PlanCreate,
    PlanKind,
    PlanRead,
)

router = APIRouter()

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]
ACCEPTED = status.HTTP_202_ACCEPTED


@router.post("/plan", status_code=status.HTTP_201_CREATED, response_model=PlanRead)
def plan(body: PlanCreate, db: DbSession, caller: Writer) -> PlanRead:
    """Compare the routers' running configuration with their intent and store the plan:
    per router, a readable diff and the lines to push. A router that cannot be read, or
    whose intent cannot be rendered, makes a `failed` plan naming it (never "no change")."""
    return plans.read(plans.make(db, body, actor=caller.actor))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(plan_id: RowId, db: DbSession, caller: Reader) -> PlanRead:
    """A stored plan and how applying it went."""
    return plans.read(plans.get(db, plan_id))


@router.post("/apply", status_code=ACCEPTED, response_model=JobAccepted)
def apply(body: ApplyCreate, db: DbSession, caller: Writer) -> JobAccepted:
    """Apply a stored plan as a job: routers in parallel (bounded), each pushed only its
    difference, read back and verified, rolled back to its previous configuration on
    failure (the job names the router and the line)."""
    return JobAccepted(job=JobSummary.model_validate(plans.apply(db, body.plan_id,
                                                                 actor=caller.actor)))


@router.get("/drift", response_model=Page[DriftItem], responses=EXPORT_RESPONSES)
def get_drift(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    site: Annotated[str | None, Query(max_length=32, description="Site code.")] = None,
    include_compliant: Annotated[bool, Query(description="List compliant routers too.")] = False,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DriftItem] | Response:
    """Routers whose latest backed-up running configuration differs from their intent,
    with the diff; `unknown` (no backup yet) and `error` (no intent) are listed too."""
    items = [
        item
        for item in drift.report(db, site=site)
        if include_compliant or item.status is not DriftStatus.COMPLIANT
    ]
    return items_page_or_export(items, paging, DriftItem, format,
                                title="Dérive des configurations")


@router.get("/devices/{device_id}/config", response_model=DeviceConfigRead)
def get_device_config(device_id: RowId, db: DbSession, caller: Reader) -> DeviceConfigRead:
    """A router's intended configuration and its latest backup (secrets as placeholders)."""
    return drift.device_config(db, device_id)


@router.post("/backups", status_code=ACCEPTED, response_model=JobAccepted)
def backup(db: DbSession, caller: Writer) -> JobAccepted:
    """Back up every CE router's running configuration now (the scheduler does it too)."""
    job = flows.enqueue_backups(db, actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.post("/migrations", status_code=status.HTTP_201_CREATED, response_model=MigrationPlanned)
def migrate(body: MigrationCreate, db: DbSession, caller: Writer) -> MigrationPlanned:
    """Request a site's MPLS→THD migration and plan it: per router, phase 1 adds and
    verifies the THD access, phase 2 removes the MPLS one. Apply with `/network/apply`."""
    migration = migrations.request(db, body, actor=caller.actor)
    scope = PlanCreate(kind=PlanKind.MIGRATION, site=migration.site.code)
    stored = plans.make(db, scope, actor=caller.actor)
    return MigrationPlanned(migration=MigrationRead.model_validate(migration),
                            plan=plans.read(stored))


__all__ = ["router"]
