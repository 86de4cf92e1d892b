"""``/api/v1/network``: changing (``PATCH``) and removing (``DELETE``) inventory objects.

Included in :data:`network.api.router` (same prefix and tags). Both need
``network:write``; an object of another tenant answers 404 as on reads. A removal
while other rows still refer to the object is a 409 listing them; nothing is changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, require
from controlplane.auth import Principal
from controlplane.schemas import RowId
from network import changes, store
from network.models import Circuit, Device, Maintenance, Provider, Site, Vrf
from network.schemas import (
    CircuitRead,
    DeviceRead,
    MaintenanceRead,
    ProviderRead,
    SiteRead,
    VrfRead,
)
from network.update_schemas import (
    CircuitUpdate,
    DeviceUpdate,
    MaintenanceUpdate,
    ProviderUpdate,
    SiteUpdate,
    VrfUpdate,
)

router = APIRouter()

Writer = Annotated[Principal, require("network:write")]
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}


@router.patch("/providers/{provider_id}", response_model=ProviderRead)
def update_provider(provider_id: RowId, body: ProviderUpdate, db: DbSession,
                    caller: Writer) -> ProviderRead:
    """Rename a provider, change its contract reference or contacts."""
    provider = store.get(db, Provider, provider_id)
    return ProviderRead.model_validate(
        changes.update_provider(db, provider, body, actor=caller.actor))


@router.delete("/providers/{provider_id}", **GONE)
def delete_provider(provider_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a provider no circuit, window or contract refers to (else 409)."""
    changes.delete(db, store.get(db, Provider, provider_id), actor=caller.actor,
                   read=ProviderRead)


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(site_id: RowId, body: SiteUpdate, db: DbSession, caller: Writer) -> SiteRead:
    """Rename a site, change its address, department or service class."""
    site = store.get(db, Site, site_id)
    return SiteRead.model_validate(changes.update_site(db, site, body, actor=caller.actor))


@router.delete("/sites/{site_id}", **GONE)
def delete_site(site_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a site with no device, circuit, prefix or migration left (else 409)."""
    changes.delete(db, store.get(db, Site, site_id), actor=caller.actor, read=SiteRead)


@router.patch("/devices/{device_id}", response_model=DeviceRead)
def update_device(device_id: RowId, body: DeviceUpdate, db: DbSession,
                  caller: Writer) -> DeviceRead:
    """Re-address a router, change its platform, credential reference, AS or LAN port."""
    device = store.get(db, Device, device_id)
    return DeviceRead.model_validate(changes.update_device(db, device, body, actor=caller.actor))


@router.delete("/devices/{device_id}", **GONE)
def delete_device(device_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a router no circuit, backup or monitor refers to (else 409)."""
    changes.delete(db, store.get(db, Device, device_id), actor=caller.actor, read=DeviceRead)


@router.patch("/circuits/{circuit_id}", response_model=CircuitRead)
def update_circuit(circuit_id: RowId, body: CircuitUpdate, db: DbSession,
                   caller: Writer) -> CircuitRead:
    """Change a circuit's rates, profile, SLA class, status, ports, VLAN or VRF."""
    circuit = store.get(db, Circuit, circuit_id)
    return CircuitRead.model_validate(
        changes.update_circuit(db, circuit, body, actor=caller.actor))


@router.delete("/circuits/{circuit_id}", **GONE)
def delete_circuit(circuit_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a circuit with no prefix, window, measurement or migration left (else 409)."""
    changes.delete(db, store.get(db, Circuit, circuit_id), actor=caller.actor, read=CircuitRead)


@router.patch("/maintenances/{maintenance_id}", response_model=MaintenanceRead)
def update_maintenance(maintenance_id: RowId, body: MaintenanceUpdate, db: DbSession,
                       caller: Writer) -> MaintenanceRead:
    """Move, extend or re-explain a maintenance window."""
    window = store.get(db, Maintenance, maintenance_id)
    return MaintenanceRead.model_validate(
        changes.update_maintenance(db, window, body, actor=caller.actor))


@router.delete("/maintenances/{maintenance_id}", **GONE)
def delete_maintenance(maintenance_id: RowId, db: DbSession, caller: Writer) -> None:
    """Cancel a maintenance window."""
    changes.delete(db, store.get(db, Maintenance, maintenance_id), actor=caller.actor,
                   read=MaintenanceRead)


@router.patch("/vrfs/{vrf_id}", response_model=VrfRead)
def update_vrf(vrf_id: RowId, body: VrfUpdate, db: DbSession, caller: Writer) -> VrfRead:
    """Renumber a VRF (new RD and/or route target; the policy follows)."""
    vrf = store.get(db, Vrf, vrf_id)
    return VrfRead.model_validate(changes.update_vrf(db, vrf, body, actor=caller.actor))


@router.delete("/vrfs/{vrf_id}", **GONE)
def delete_vrf(vrf_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a VRF no circuit carries (else 409)."""
    changes.delete(db, store.get(db, Vrf, vrf_id), actor=caller.actor, read=VrfRead)
