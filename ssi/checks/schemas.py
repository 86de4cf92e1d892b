"""Request and answer shapes of the technical checks."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Port = Annotated[int, Field(ge=1, le=65535)]
_HOSTNAME = re.compile(r"(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+")
MAX_PORTS = 1024


class TargetCreate(BaseModel):
    """An endpoint to check: ``ports`` are scanned; ``expected_open`` are the ones meant to
    be reachable; ``tls_ports`` and ``ssh_ports`` get the TLS and SSH audits."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    host: str = Field(max_length=255, description="IP address or DNS name.")
    ports: list[Port] = Field(default_factory=list, max_length=MAX_PORTS)
    expected_open: list[Port] = Field(default_factory=list, max_length=MAX_PORTS)
    tls_ports: list[Port] = Field(default_factory=list, max_length=64)
    ssh_ports: list[Port] = Field(default_factory=list, max_length=64)

    @field_validator("host")
    @classmethod
    def _host(cls, host: str) -> str:
        host = host.strip()
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        if not _HOSTNAME.fullmatch(host) or host.replace(".", "").isdigit():
            raise ValueError(f"{host!r} is neither an IP address nor a DNS name")
        return host.lower().rstrip(".")

    @field_validator("ports", "expected_open", "tls_ports", "ssh_ports")
    @classmethod
    def _sorted(cls, ports: list[int]) -> list[int]:
        return sorted(set(ports))

    @model_validator(mode="after")
    def _something_to_check(self) -> TargetCreate:
        if not (self.ports or self.tls_ports or self.ssh_ports):
            raise ValueError("give at least one port to scan, or a TLS or SSH port to audit")
        return self


class TargetRead(BaseModel):
    """A declared endpoint."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    tenant: str
    name: str
    host: str
    ports: list[int]
    expected_open: list[int]
    tls_ports: list[int]
    ssh_ports: list[int]
    created_by: str
    created_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _tenant(cls, data: Any) -> Any:
        if hasattr(data, "tenant") and hasattr(data.tenant, "finess"):
            return {**{k: getattr(data, k) for k in cls.model_fields if k != "tenant"},
                    "tenant": data.tenant.finess}
        return data


class ResultRead(BaseModel):
    """A check of one endpoint, dated."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    target: str
    host: str
    job_id: int | None
    checked_at: datetime
    passed: bool
    open_ports: list[int]
    tls: list[dict[str, Any]]
    ssh: list[dict[str, Any]]
    findings: list[dict[str, Any]]

    @model_validator(mode="before")
    @classmethod
    def _target(cls, data: Any) -> Any:
        if hasattr(data, "target") and hasattr(data.target, "host"):
            fields = {k: getattr(data, k) for k in cls.model_fields if k not in ("target", "host")}
            return {**fields, "target": data.target.name, "host": data.target.host}
        return data


class CheckRun(BaseModel):
    """Which of the establishment's endpoints to check (all when empty)."""

    model_config = ConfigDict(extra="forbid")

    targets: list[str] = Field(default_factory=list, max_length=200)
