"""Pydantic shapes of the catalogue (services, versions, releases), and the strict
body and answer bases the apps plane's other shapes use.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")




# --- catalogue -----------------------------------------------------------------------


class VersionRead(BaseModel):
    """A release of a service."""

    version: str
    artifact: str
    sha256: str


class ServiceRead(BaseModel):
    """A service of the catalogue."""

    name: str
    title: str
    description: str
    runtime: str
    dependencies: list[str]
    network_access: str | None
    resources: dict[str, int]
    ports: dict[str, int]
    health: dict[str, Any]
    availability_target_pct: float | None = Field(
        description="Monthly availability target (%), judged from the health checks.")
    config_schema: dict[str, Any]
    config_defaults: dict[str, Any]
    tenant_settings_schema: dict[str, Any]
    backup: list[str]
    secrets: list[str]
    versions: list[VersionRead]
    tenants: list[str] = Field(description="FINESS of the establishments enrolled.")


class ReleaseRead(BaseModel):
    """A version of a service and the targets running it."""

    service: str
    version: str
    sha256: str
    targets: list[str]
