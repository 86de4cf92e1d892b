"""Bodies and answers of the monitors: what is polled or probed, and the last poll status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from controlplane.schemas import Answer, StrictBody, TenantKey
from network.inventory.schemas import CircuitKey, DeviceKey

Port = Annotated[int, Field(ge=1, le=65535)]
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")]


class PollState(StrEnum):
    """A device's last poll: never polled yet, answered, or gave no usable answer."""

    UNKNOWN = "unknown"
    OK = "ok"
    UNREACHABLE = "unreachable"


class DeviceMonitorSet(StrictBody):
    """Poll this device over SNMP (at its management address unless ``snmp_host``)."""

    snmp_host: Host | None = None
    snmp_port: Port = 161
    enabled: bool = True


class DeviceMonitorRead(Answer):
    """A polled device and its last poll status (``reason``: timeout, auth, malformed,
    error; ``detail`` never holds a key or a community)."""

    device: DeviceKey
    tenant: TenantKey | None
    snmp_host: str | None
    snmp_port: int
    enabled: bool
    state: PollState
    reason: str | None
    detail: str | None
    failures: int = Field(description="Polls failed in a row.")
    last_poll_at: datetime | None
    last_ok_at: datetime | None


class CircuitMonitorSet(StrictBody):
    """Where a circuit is observed: the ifIndex of its interface on its A-end device,
    and the UDP echo reflector of its site (host and port together, or neither)."""

    if_index: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    probe_host: Host | None = None
    probe_port: Port | None = None

    @model_validator(mode="after")
    def _probe_pair(self) -> Self:
        if (self.probe_host is None) != (self.probe_port is None):
            missing = "probe_port" if self.probe_port is None else "probe_host"
            raise ValueError(f"{missing}: give probe_host and probe_port together")
        return self


class CircuitMonitorRead(Answer):
    """How a circuit is observed."""

    circuit: CircuitKey
    tenant: TenantKey
    if_index: int | None
    probe_host: str | None
    probe_port: int | None
    polled_state: str | None = Field(
        None, description="What the latest poll saw: up, down, silent or unread.")
    polled_at: datetime | None = None
    probed_state: str | None = Field(
        None, description="What the latest probe round saw: answered or lost.")
    probed_at: datetime | None = None
