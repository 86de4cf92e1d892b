"""Bodies and answers of the backup API: policies, copies with their RPO status and last
integrity check, runs, restore tests, checks, alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from controlplane.schemas import Answer, StrictBody, TenantKey
from hosting.providers.schemas import ProviderKey
from hosting.secrets import SECRETS

AbsolutePath = Annotated[str, Field(min_length=2, max_length=500, pattern=r"^/[^\x00]*$")]


class LocalExecutorSpec(StrictBody):
    """restic runs on the control plane's own host (embedded demo, tests)."""

    kind: Literal["local"] = "local"


class SshExecutorSpec(StrictBody):
    """restic runs on the establishment's host, reached over SSH with a pinned host key."""

    kind: Literal["ssh"]
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    user: Annotated[str, Field(min_length=1, max_length=64)]
    key_ref: SECRETS.reference = Field(description=f"Where the private key is: {SECRETS.form}.")
    host_key: Annotated[str, Field(pattern=r"^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+$")]


ExecutorSpec = Annotated[LocalExecutorSpec | SshExecutorSpec, Field(discriminator="kind")]


class PolicySet(StrictBody):
    """What to back up and where restic runs; frequency, retention and RPO come from the
    subscription's backup tier."""

    source_path: AbsolutePath
    executor: ExecutorSpec = Field(default_factory=LocalExecutorSpec)
    restore_test_days: Annotated[int, Field(ge=1, le=366)] = 7
    enabled: bool = True


class RepositoryRead(Answer):
    """One copy of a policy (its repository's URL holds no secret)."""

    id: int
    copy_index: int
    provider: ProviderKey
    url: str
    immutable: bool
    initialised_at: datetime | None


class PolicyRead(Answer):
    """A subscription's backup policy."""

    id: int
    tenant: TenantKey
    subscription_id: int
    source_path: str
    executor: dict[str, Any]
    password_ref: str
    frequency_hours: int
    retention_days: int
    rpo_hours: int
    restore_test_days: int
    immutable: bool
    enabled: bool
    repositories: list[RepositoryRead]


class RpoStatus(StrEnum):
    """Whether a copy's last good snapshot is within the RPO."""

    OK = "ok"
    LATE = "late"


class BackupStatusRead(BaseModel):
    """One copy's supervision line: last good snapshot, its age against the RPO, and its
    last integrity check (when it finished, the group of packs read and its share of the
    data, succeeded or failed, why, the packs restic named as damaged);
    ``last_check_state`` is null while the copy was never checked."""

    repository_id: int
    subscription_id: int
    tenant: str
    copy_index: int
    provider: str
    immutable: bool
    rpo_hours: int
    last_snapshot_id: str | None
    last_good_at: datetime | None
    age_hours: float | None
    rpo_status: RpoStatus
    last_run_state: str | None
    last_run_reason: str | None
    last_check_at: datetime | None
    last_check_percent: float | None
    last_check_group: str | None
    last_check_state: str | None
    last_check_reason: str | None
    last_check_error: str | None
    last_check_damaged_packs: list[str]
    open_alerts: int


class RunRead(Answer):
    """One backup or retention run of one copy."""

    id: int
    repository_id: int
    job_id: int | None
    kind: str
    state: str
    reason: str | None
    error: str | None
    snapshot_id: str | None
    files: int
    bytes: int
    details: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None


class RestoreTestRead(Answer):
    """One restore test: snapshot, checked files, mismatches, measured RTO."""

    id: int
    repository_id: int
    run_id: int | None
    job_id: int | None
    snapshot_id: str | None
    state: str
    reason: str | None
    error: str | None
    files_checked: int
    mismatches: list[str]
    rto_seconds: float | None
    started_at: datetime
    finished_at: datetime | None


class CheckRead(Answer):
    """One integrity check of one copy (``restic check``): the group of its data packs
    read (``n/t``: each check reads the next group, a failed one again until it passes;
    null for checks made before groups rotated) and its share of the data, the outcome,
    why it failed, the packs restic named as damaged."""

    id: int
    repository_id: int
    job_id: int | None
    subset_percent: float
    subset_group: str | None
    state: str
    reason: str | None
    error: str | None
    damaged_packs: list[str]
    started_at: datetime
    finished_at: datetime | None


class AlertRead(Answer):
    """A backup alert (open while ``cleared_at`` is null)."""

    id: int
    repository_id: int
    kind: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None


class RestoreTestStart(StrictBody):
    """Which snapshot to test (default: the latest good one of copy 0)."""

    copy_index: Annotated[int, Field(ge=0, le=9)] = 0
    snapshot_id: Annotated[str | None, Field(pattern=r"^[0-9a-f]{8,64}$")] = None


class CheckStart(StrictBody):
    """How much of each copy's data to read (default: ``SOCLE_HOSTING_BACKUP_CHECK_PERCENT``);
    100 reads every pack."""

    subset_percent: Annotated[float | None, Field(ge=0.1, le=100)] = None
