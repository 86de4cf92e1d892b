"""``/api/v1/network/monitors``: which devices are polled over SNMP (with their last poll
status: ok, or unreachable and why) and where each circuit is observed.

Included in :mod:`network.api`'s router. Reads need ``network:read`` (an establishment
sees its own devices and circuits only: the session is scoped); changes need
``network:write``. A device or circuit of another tenant is a 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page
from network.polling import service
from network.polling.schemas import (
    CircuitMonitorRead,
    CircuitMonitorSet,
    DeviceMonitorRead,
    DeviceMonitorSet,
    PollState,
)

router = APIRouter(prefix="/monitors")

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]


@router.get("/devices", response_model=Page[DeviceMonitorRead], responses=EXPORT_RESPONSES)
def list_device_monitors(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    state: Annotated[PollState | None, Query(description="Only devices in this state.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DeviceMonitorRead] | Response:
    """Polled devices and their last poll status, by hostname."""
    return page_or_export(db, service.device_monitor_query(state=state), paging, DeviceMonitorRead,
                          format, title="Équipements supervisés")


@router.put("/devices/{hostname}", response_model=DeviceMonitorRead)
def set_device_monitor(
    hostname: Annotated[str, Path(max_length=253)], body: DeviceMonitorSet, db: DbSession,
    caller: Writer,
) -> DeviceMonitorRead:
    """Poll a device over SNMP (or stop: ``enabled: false``); its status is kept."""
    row = service.set_device_monitor(db, hostname, body, actor=caller.actor)
    return DeviceMonitorRead.model_validate(row)


@router.get("/circuits", response_model=Page[CircuitMonitorRead], responses=EXPORT_RESPONSES)
def list_circuit_monitors(
    db: DbSession, paging: PageParams, caller: Reader, format: ExportQuery = ExportFormat.JSON
) -> Page[CircuitMonitorRead] | Response:
    """Observed circuits (interface polled, probe reflector), by ref."""
    return page_or_export(db, service.circuit_monitor_query(), paging, CircuitMonitorRead, format,
                          title="Circuits observés")


@router.put("/circuits/{ref}", response_model=CircuitMonitorRead)
def set_circuit_monitor(
    ref: Annotated[str, Path(max_length=64)], body: CircuitMonitorSet, db: DbSession,
    caller: Writer,
) -> CircuitMonitorRead:
    """Say which ifIndex of its A-end device carries the circuit, and where its probe
    reflector answers."""
    row = service.set_circuit_monitor(db, ref, body, actor=caller.actor)
    return CircuitMonitorRead.model_validate(row)
