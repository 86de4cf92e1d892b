"""Pydantic shapes of the PRA (disaster-recovery plans) and their exercises."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from controlplane.schemas import Answer, RowId, StrictBody, TenantKey
from hosting.providers.schemas import ProviderKey

Step = Annotated[str, Field(min_length=1, max_length=500)]


class DrPlanCreate(StrictBody):
    """A PRA for a subscription that has a backup policy. The instance to start at the
    secondary defaults to the subscription's own instance (type and image)."""

    subscription_id: RowId
    rto_minutes: int = Field(ge=1, le=10_080, description="Recovery time objective.")
    rpo_minutes: int = Field(ge=1, le=525_600, description="Recovery point objective.")
    instance_type: str | None = Field(default=None, max_length=32, examples=["t3.medium"])
    image_id: str | None = Field(default=None, max_length=64, examples=["ami-03cf127a"])
    runbook: list[Step] | None = Field(
        default=None, max_length=50, description="Steps of a real failover (default: generated)."
    )


class DrPlanRead(Answer):
    """A PRA: targets, protected resources, runbook and the explained choice of secondary."""

    id: int
    tenant: TenantKey
    subscription_id: int
    primary_provider: ProviderKey
    secondary_provider: ProviderKey
    rto_minutes: int
    rpo_minutes: int
    instance_type: str
    image_id: str
    protected_resources: list[str]
    runbook: list[str]
    placement: dict[str, Any]
    created_by: str
    created_at: datetime


class DrExerciseRead(Answer):
    """One exercise: what it restored and started, achieved RTO/RPO (seconds), outcome."""

    id: int
    tenant: TenantKey
    plan_id: int
    job_id: int | None
    exercise_key: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    achieved_rto_seconds: float | None
    achieved_rpo_seconds: float | None
    rto_met: bool | None
    rpo_met: bool | None
    details: dict[str, Any]
    error: str | None
    requested_by: str
