"""``/api/v1/network``: providers, sites, devices, circuits and maintenance windows.

Reads need ``network:read`` (an establishment sees only its own sites, devices,
circuits and maintenance windows: another tenant's answers 404); writes
(``POST``, ``PATCH``, ``DELETE``) need ``network:write``. A removal while other rows
still refer to the object is a 409 listing them; nothing is changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId, UtcDatetime
from network.errors import store
from network.inventory import changes
from network.inventory import service as inventory
from network.inventory.models import Circuit, Device, Maintenance, Provider, Site
from network.inventory.platforms import Platform
from network.inventory.schemas import (
    Access,
    CircuitCreate,
    CircuitRead,
    CircuitStatus,
    CircuitUpdate,
    DeviceCreate,
    DeviceRead,
    DeviceRole,
    DeviceUpdate,
    MaintenanceCreate,
    MaintenanceRead,
    MaintenanceUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    ServiceClass,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SlaClass,
)

router = APIRouter()

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]
SiteCode = Annotated[str | None, Query(max_length=32, description="Site code.")]


CREATED = status.HTTP_201_CREATED


# --- providers -----------------------------------------------------------------------


@router.post("/providers", status_code=CREATED, response_model=ProviderRead)
def create_provider(body: ProviderCreate, db: DbSession, caller: Writer) -> ProviderRead:
    """Register a telecom provider (409 if its name exists)."""
    return ProviderRead.model_validate(inventory.create_provider(db, body, actor=caller.actor))


@router.get("/providers", response_model=Page[ProviderRead], responses=EXPORT_RESPONSES)
def list_providers(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    kind: Access | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name contains.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ProviderRead] | Response:
    """Providers, by name."""
    return page_or_export(db, inventory.provider_query(kind=kind, q=q), paging, ProviderRead,
                          format, title="Opérateurs du réseau")


@router.get("/providers/{provider_id}", response_model=ProviderRead)
def get_provider(provider_id: RowId, db: DbSession, caller: Reader) -> ProviderRead:
    """One provider."""
    return ProviderRead.model_validate(store.get(db, Provider, provider_id))


# --- sites ---------------------------------------------------------------------------


@router.post("/sites", status_code=CREATED, response_model=SiteRead)
def create_site(body: SiteCreate, db: DbSession, caller: Writer) -> SiteRead:
    """Register a site of an establishment (409 if its code exists)."""
    return SiteRead.model_validate(inventory.create_site(db, body, actor=caller.actor))


@router.get("/sites", response_model=Page[SiteRead], responses=EXPORT_RESPONSES)
def list_sites(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    department: Annotated[str | None, Query(max_length=3)] = None,
    access: Access | None = None,
    service_class: ServiceClass | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or code contains.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[SiteRead] | Response:
    """Sites, by code (an establishment: its own)."""
    stmt = inventory.site_query(
        tenant=tenant, department=department, access=access, service_class=service_class, q=q
    )
    return page_or_export(db, stmt, paging, SiteRead, format, title="Sites")


@router.get("/sites/{site_id}", response_model=SiteRead)
def get_site(site_id: RowId, db: DbSession, caller: Reader) -> SiteRead:
    """One site (404 if another tenant's)."""
    return SiteRead.model_validate(store.get(db, Site, site_id))


# --- devices -------------------------------------------------------------------------


@router.post("/devices", status_code=CREATED, response_model=DeviceRead)
def create_device(body: DeviceCreate, db: DbSession, caller: Writer) -> DeviceRead:
    """Register a router; its credential is a reference (env:SOCLE_SECRET_NETWORK_* or
    file:NAME in SOCLE_DATA_DIR/secrets/network/), never a secret."""
    return DeviceRead.model_validate(inventory.create_device(db, body, actor=caller.actor))


@router.get("/devices", response_model=Page[DeviceRead], responses=EXPORT_RESPONSES)
def list_devices(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    site: SiteCode = None,
    role: DeviceRole | None = None,
    platform: Platform | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[DeviceRead] | Response:
    """Devices, by hostname (an establishment: its own CEs)."""
    stmt = inventory.device_query(tenant=tenant, site=site, role=role, platform=platform)
    return page_or_export(db, stmt, paging, DeviceRead, format, title="Équipements")


@router.get("/devices/{device_id}", response_model=DeviceRead)
def get_device(device_id: RowId, db: DbSession, caller: Reader) -> DeviceRead:
    """One device (404 if another tenant's)."""
    return DeviceRead.model_validate(store.get(db, Device, device_id))


# --- circuits ------------------------------------------------------------------------


@router.post("/circuits", status_code=CREATED, response_model=CircuitRead)
def create_circuit(body: CircuitCreate, db: DbSession, caller: Writer) -> CircuitRead:
    """Register a circuit (committed rate ≤ bandwidth; provider selling the access)."""
    return CircuitRead.model_validate(inventory.create_circuit(db, body, actor=caller.actor))


@router.get("/circuits", response_model=Page[CircuitRead], responses=EXPORT_RESPONSES)
def list_circuits(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    site: SiteCode = None,
    provider: Annotated[str | None, Query(max_length=100, description="Provider name.")] = None,
    access: Access | None = None,
    status: CircuitStatus | None = None,
    sla_class: SlaClass | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[CircuitRead] | Response:
    """Circuits, by ref (an establishment: its own)."""
    stmt = inventory.circuit_query(
        tenant=tenant,
        site=site,
        provider=provider,
        access=access,
        status=status,
        sla_class=sla_class,
    )
    return page_or_export(db, stmt, paging, CircuitRead, format, title="Circuits")


@router.get("/circuits/{circuit_id}", response_model=CircuitRead)
def get_circuit(circuit_id: RowId, db: DbSession, caller: Reader) -> CircuitRead:
    """One circuit (404 if another tenant's)."""
    return CircuitRead.model_validate(store.get(db, Circuit, circuit_id))


# --- maintenance windows -------------------------------------------------------------


@router.post("/maintenances", status_code=CREATED, response_model=MaintenanceRead)
def create_maintenance(body: MaintenanceCreate, db: DbSession, caller: Writer) -> MaintenanceRead:
    """Plan a maintenance window on a circuit or on a provider's network."""
    window = inventory.create_maintenance(db, body, actor=caller.actor)
    return MaintenanceRead.model_validate(window)


@router.get("/maintenances", response_model=Page[MaintenanceRead], responses=EXPORT_RESPONSES)
def list_maintenances(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    provider: Annotated[str | None, Query(max_length=100, description="Provider name.")] = None,
    circuit: Annotated[str | None, Query(max_length=64, description="Circuit ref.")] = None,
    at: Annotated[UtcDatetime | None,
                  Query(description="Only windows open at this time (with Z or an offset).")
                  ] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[MaintenanceRead] | Response:
    """Maintenance windows, by start (an establishment: those of its circuits)."""
    stmt = inventory.maintenance_query(tenant=tenant, provider=provider, circuit=circuit, at=at)
    return page_or_export(db, stmt, paging, MaintenanceRead, format,
                          title="Fenêtres de maintenance")


@router.get("/maintenances/{maintenance_id}", response_model=MaintenanceRead)
def get_maintenance(maintenance_id: RowId, db: DbSession, caller: Reader) -> MaintenanceRead:
    """One maintenance window (404 if another tenant's)."""
    return MaintenanceRead.model_validate(store.get(db, Maintenance, maintenance_id))


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
    store.delete(db, store.get(db, Provider, provider_id), actor=caller.actor,
                   read=ProviderRead)


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(site_id: RowId, body: SiteUpdate, db: DbSession, caller: Writer) -> SiteRead:
    """Rename a site, change its address, department or service class."""
    site = store.get(db, Site, site_id)
    return SiteRead.model_validate(changes.update_site(db, site, body, actor=caller.actor))


@router.delete("/sites/{site_id}", **GONE)
def delete_site(site_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a site with no device, circuit, prefix or migration left (else 409)."""
    store.delete(db, store.get(db, Site, site_id), actor=caller.actor, read=SiteRead)


@router.patch("/devices/{device_id}", response_model=DeviceRead)
def update_device(device_id: RowId, body: DeviceUpdate, db: DbSession,
                  caller: Writer) -> DeviceRead:
    """Re-address a router, change its platform, credential reference, AS or LAN port."""
    device = store.get(db, Device, device_id)
    return DeviceRead.model_validate(changes.update_device(db, device, body, actor=caller.actor))


@router.delete("/devices/{device_id}", **GONE)
def delete_device(device_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a router no circuit, backup or monitor refers to (else 409)."""
    store.delete(db, store.get(db, Device, device_id), actor=caller.actor, read=DeviceRead)


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
    store.delete(db, store.get(db, Circuit, circuit_id), actor=caller.actor, read=CircuitRead)


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
    store.delete(db, store.get(db, Maintenance, maintenance_id), actor=caller.actor,
                   read=MaintenanceRead)
