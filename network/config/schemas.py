"""Pydantic shapes of the configuration side of the network plane: plans, drift, device
configurations and backups, MPLS→THD migrations. No shape here carries a secret: the
configurations they hold have placeholders where secrets are."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from controlplane.schemas import Answer, RowId, StrictBody, TenantKey
from network.inventory.schemas import CircuitKey, DeviceRef, SiteKey, SiteRef


class PlanKind(StrEnum):
    """What a plan reconciles: routers' configuration, or the requested migrations."""

    CONFIG = "config"
    MIGRATION = "migration"


class DriftStatus(StrEnum):
    """A router's latest backup against its intent (``unknown``: no backup yet;
    ``error``: no intent can be rendered). Only ``compliant`` means in sync."""

    COMPLIANT = "compliant"
    DRIFTED = "drifted"
    UNKNOWN = "unknown"
    ERROR = "error"



class PlanCreate(StrictBody):
    """Plan the routers' configuration (all CEs, one site's or the routers named), or
    re-plan the requested migrations."""

    kind: PlanKind = PlanKind.CONFIG
    site: SiteRef | None = Field(default=None, description="Only this site's routers.")
    devices: list[DeviceRef] | None = Field(
        default=None, max_length=10_000, description="Only these routers (hostnames)."
    )


class ApplyCreate(StrictBody):
    """Apply a stored plan (once)."""

    plan_id: RowId


class PlanPhase(BaseModel):
    """One ordered push of a change (a migration has two: make, then break)."""

    name: str
    lines: list[str]


class PlanChange(BaseModel):
    """What a plan would do to one router."""

    device: str
    action: str
    summary: str
    diff: str = Field(description="Unified diff, running → intended (owned part only).")
    lines: list[str] = Field(description="Every line to push, phases in order.")
    phases: list[PlanPhase]

    @classmethod
    def from_change(cls, raw: dict[str, Any]) -> PlanChange:
        """From a stored reconcile change."""
        phases = [PlanPhase(name=p["name"], lines=p["lines"]) for p in raw["data"]["phases"]]
        return cls(
            device=raw["key"],
            action=raw["action"],
            summary=raw["summary"],
            diff=raw["diff"],
            lines=[line for phase in phases for line in phase.lines],
            phases=phases,
        )


class PlanRead(BaseModel):
    """A stored plan: ``state`` planned | applying | applied | partial | failed."""

    plan_id: int
    kind: str
    state: str
    error: str | None
    created_by: str
    created_at: datetime
    apply_job: int | None
    changes: list[PlanChange]


class BackupRead(Answer):
    """A running configuration as fetched (secrets masked)."""

    id: int
    source: str
    fetched_at: datetime
    checked_at: datetime
    sha256: str
    job_id: int | None
    content: str


class DriftItem(BaseModel):
    """A router whose latest running configuration is not known to match its intent."""

    device_id: int
    device: str
    platform: str
    status: DriftStatus
    diff: str = ""
    error: str | None = None
    backup_id: int | None = None
    fetched_at: datetime | None = None


class DeviceConfigRead(DriftItem):
    """A router's intended configuration and its latest backup."""

    intended: str | None
    backup: BackupRead | None


class MigrationCreate(StrictBody):
    """Ask for a site's MPLS access to be replaced by a planned THD circuit."""

    site: SiteRef
    circuit: str = Field(min_length=1, max_length=64, description="Ref of the THD circuit.")


class MigrationRead(Answer):
    """A migration."""

    id: int
    site: SiteKey
    circuit: CircuitKey
    tenant: TenantKey
    state: str
    requested_by: str
    created_at: datetime
    completed_at: datetime | None


class MigrationPlanned(BaseModel):
    """A requested migration and the plan to do it (apply with ``/network/apply``)."""

    migration: MigrationRead
    plan: PlanRead


__all__ = [
    "ApplyCreate",
    "BackupRead",
    "DeviceConfigRead",
    "DriftItem",
    "DriftStatus",
    "MigrationCreate",
    "MigrationPlanned",
    "MigrationRead",
    "PlanChange",
    "PlanCreate",
    "PlanKind",
    "PlanPhase",
    "PlanRead",
]
