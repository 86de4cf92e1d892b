"""Pydantic shapes of the PRA (disaster-recovery plans) and their exercises."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from controlplane.schemas import Answer, RowId, StrictBody, TenantKey
from hosting.backup.schemas import AbsolutePath, ExecutorSpec, LocalExecutorSpec
from hosting.providers.schemas import ProviderKey

Step = Annotated[str, Field(min_length=1, max_length=500)]


class RecoveryHostSet(StrictBody):
    """The host a PRA restores onto and restarts the service on: the secondary's recovery
    VM, reached over SSH with its host key pinned (``local``: this machine, as in the
    embedded demo). restic runs there, reading the copy; the service listens on the
    host's address (``127.0.0.1`` locally) on ``service_port``."""

    access: ExecutorSpec = Field(default_factory=LocalExecutorSpec)
    service_port: int = Field(
        default=0, ge=0, le=65535, description="The service's port; 0: any free port."
    )
    workdir: AbsolutePath | None = Field(
        default=None,
        description="Where exercises restore on the host (default /var/tmp/socle-pra over "
        "SSH, $SOCLE_DATA_DIR/pra locally); one folder per exercise, removed after it.",
    )


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
    recovery_host: RecoveryHostSet | None = Field(
        default=None, description="Where exercises restore and restart (none: they fail)."
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
    recovery_host: dict[str, Any] | None
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
