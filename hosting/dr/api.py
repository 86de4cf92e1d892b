"""``/api/v1/hosting/dr-plans`` and ``/dr-exercises``: PRA per subscription and exercises.

Operators write plans and start exercises (``hosting:write``); everyone with
``hosting:read`` reads them, an establishment only its own (another tenant's: 404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from hosting.dr import flows
from hosting.dr import service as dr
from hosting.dr.models import DrExercise, DrPlan
from hosting.dr.schemas import DrExerciseRead, DrPlanCreate, DrPlanRead, RecoveryHostSet
from hosting.errors import store

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]
Writer = Annotated[Principal, require("hosting:write")]


@router.post("/dr-plans", status_code=status.HTTP_201_CREATED, response_model=DrPlanRead)
def create_plan(body: DrPlanCreate, db: DbSession, caller: Writer) -> DrPlanRead:
    """Record a subscription's PRA; the secondary provider is chosen and explained."""
    plan = dr.create_plan(db, body, actor=caller.actor, today=date.today())
    return DrPlanRead.model_validate(plan)


@router.get("/dr-plans", response_model=Page[DrPlanRead], responses=EXPORT_RESPONSES)
def list_plans(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DrPlanRead] | Response:
    """PRA, newest first (an establishment: its own)."""
    return page_or_export(db, dr.plan_query(tenant=tenant), paging, DrPlanRead, format,
                          title="Plans de reprise d'activité")


@router.get("/dr-plans/{plan_id}", response_model=DrPlanRead)
def get_plan(plan_id: RowId, db: DbSession, caller: Reader) -> DrPlanRead:
    """One PRA."""
    return DrPlanRead.model_validate(store.get(db, DrPlan, plan_id))


@router.put("/dr-plans/{plan_id}/recovery-host", response_model=DrPlanRead)
def set_recovery_host(
    plan_id: RowId, body: RecoveryHostSet, db: DbSession, caller: Writer
) -> DrPlanRead:
    """Name the host exercises restore onto and restart the service on (the secondary's
    recovery VM over SSH, host key pinned; ``local`` for the embedded demo)."""
    plan = dr.set_recovery_host(db, store.get(db, DrPlan, plan_id), body, actor=caller.actor)
    return DrPlanRead.model_validate(plan)


@router.post(
    "/dr-plans/{plan_id}/exercise",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
)
def exercise(plan_id: RowId, db: DbSession, caller: Writer) -> JobAccepted:
    """Start an exercise: the job restores the copy at the secondary onto the recovery host,
    starts the service there, checks it serves the restored data, tears down."""
    _, job = flows.start_exercise(db, store.get(db, DrPlan, plan_id), actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.get("/dr-exercises", response_model=Page[DrExerciseRead], responses=EXPORT_RESPONSES)
def list_exercises(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    plan_id: RowId | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DrExerciseRead] | Response:
    """Exercises, newest first, with achieved RTO/RPO."""
    stmt = flows.exercise_query(tenant=tenant, plan_id=plan_id)
    return page_or_export(db, stmt, paging, DrExerciseRead, format, title="Exercices de PRA")


@router.get("/dr-exercises/{exercise_id}", response_model=DrExerciseRead)
def get_exercise(exercise_id: RowId, db: DbSession, caller: Reader) -> DrExerciseRead:
    """One exercise and what it measured."""
    return DrExerciseRead.model_validate(store.get(db, DrExercise, exercise_id))
