"""Pydantic shapes of deployments and instances.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from apps.secrets import SECRETS
from controlplane.schemas import Answer, StrictBody, natural_key


class Strategy(StrEnum):
    """How a release rolls across targets: ``rolling`` by batches of ``batch_size``,
    ``canary`` one target first, then the rest together; each batch is health-gated."""

    ROLLING = "rolling"
    CANARY = "canary"


class ReleaseWanted(StrictBody):
    """A service and the version to run."""

    service: str
    version: str


class DeploymentCreate(StrictBody):
    """Deploy releases to targets; dependencies first, health-gated, rolled back on failure."""

    releases: list[ReleaseWanted] = Field(min_length=1, max_length=20)
    targets: list[str] = Field(min_length=1, max_length=200)
    strategy: Strategy = Strategy.ROLLING
    batch_size: int = Field(default=1, ge=1, le=200)
    config: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-service overrides of the default configuration."
    )
    secrets: dict[str, dict[str, SECRETS.reference]] = Field(
        default_factory=dict,
        description=f"Per service, where each declared secret is: {SECRETS.form}.",
    )


class DeploymentState(StrEnum):
    """Where a deployment is."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"


class DeploymentRead(Answer):
    """A deployment and its outcome."""

    id: int
    action: str
    releases: list[dict[str, Any]]
    targets: list[str]
    strategy: str
    batch_size: int
    secret_refs: dict[str, dict[str, str]]
    state: str
    reason: str | None
    rollback_of: int | None
    job_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


# --- instances -----------------------------------------------------------------------


class InstanceRead(Answer):
    """A service on a target: what should run, its health, and its drift."""

    id: int
    service: str
    target: Annotated[str, BeforeValidator(natural_key("name"))]
    version: str
    previous_version: str | None
    config_sha256: str
    health: str
    health_detail: str | None
    drift: list[str]
    observed_at: datetime | None
    deployment_id: int | None
    updated_at: datetime
