"""The network plane's HTTP API: ``/api/v1/network/...`` (inventory and IP/VPN plan).

Thin handlers over :mod:`network.inventory`, :mod:`network.ipam` and
:mod:`network.vrfs`. Reads need ``network:read`` (an establishment sees only its own
sites, devices, circuits, VRFs, prefixes and maintenance windows: another tenant's
answers 404); writes need ``network:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from controlplane.api.deps import API_PREFIX, DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import page_of
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.schemas import Page, RowId, UtcDatetime
from network import api_changes, api_config, inventory, ipam, store, vrfs
from network.models import Circuit, Device, Maintenance, Prefix, PrefixPool, Provider, Site, Vrf
from network.schemas import (
    Access,
    CircuitCreate,
    CircuitRead,
    CircuitStatus,
    DeviceCreate,
    DeviceRead,
    DeviceRole,
    IpFamily,
    MaintenanceCreate,
    MaintenanceRead,
    Platform,
    PoolCreate,
    PoolRead,
    PoolRole,
    PrefixAllocate,
    PrefixCreate,
    PrefixRead,
    ProviderCreate,
    ProviderRead,
    ServiceClass,
    SiteCreate,
    SiteRead,
    SlaClass,
    VrfCreate,
    VrfKind,
    VrfRead,
)

router = APIRouter(prefix=f"{API_PREFIX}/network", tags=["network"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]
SiteCode = Annotated[str | None, Query(max_length=32, description="Site code.")]
Family = Annotated[IpFamily | None, Query(description="IP version: 4 or 6.")]
CREATED = status.HTTP_201_CREATED


# --- providers -----------------------------------------------------------------------


@router.post("/providers", status_code=CREATED, response_model=ProviderRead)
def create_provider(body: ProviderCreate, db: DbSession, caller: Writer) -> ProviderRead:
    """Register a telecom provider (409 if its name exists)."""
    return ProviderRead.model_validate(inventory.create_provider(db, body, actor=caller.actor))


@router.get("/providers", response_model=Page[ProviderRead])
def list_providers(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    kind: Access | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name contains.")] = None,
) -> Page[ProviderRead]:
    """Providers, by name."""
    return page_of(db, inventory.provider_query(kind=kind, q=q), paging, ProviderRead)


@router.get("/providers/{provider_id}", response_model=ProviderRead)
def get_provider(provider_id: RowId, db: DbSession, caller: Reader) -> ProviderRead:
    """One provider."""
    return ProviderRead.model_validate(store.get(db, Provider, provider_id))


# --- sites ---------------------------------------------------------------------------


@router.post("/sites", status_code=CREATED, response_model=SiteRead)
def create_site(body: SiteCreate, db: DbSession, caller: Writer) -> SiteRead:
    """Register a site of an establishment (409 if its code exists)."""
    return SiteRead.model_validate(inventory.create_site(db, body, actor=caller.actor))


@router.get("/sites", response_model=Page[SiteRead])
def list_sites(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    department: Annotated[str | None, Query(max_length=3)] = None,
    access: Access | None = None,
    service_class: ServiceClass | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or code contains.")] = None,
) -> Page[SiteRead]:
    """Sites, by code (an establishment: its own)."""
    stmt = inventory.site_query(
        tenant=tenant, department=department, access=access, service_class=service_class, q=q
    )
    return page_of(db, stmt, paging, SiteRead)


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


@router.get("/devices", response_model=Page[DeviceRead])
def list_devices(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    site: SiteCode = None,
    role: DeviceRole | None = None,
    platform: Platform | None = None,
) -> Page[DeviceRead]:
    """Devices, by hostname (an establishment: its own CEs)."""
    stmt = inventory.device_query(tenant=tenant, site=site, role=role, platform=platform)
    return page_of(db, stmt, paging, DeviceRead)


@router.get("/devices/{device_id}", response_model=DeviceRead)
def get_device(device_id: RowId, db: DbSession, caller: Reader) -> DeviceRead:
    """One device (404 if another tenant's)."""
    return DeviceRead.model_validate(store.get(db, Device, device_id))


# --- circuits ------------------------------------------------------------------------


@router.post("/circuits", status_code=CREATED, response_model=CircuitRead)
def create_circuit(body: CircuitCreate, db: DbSession, caller: Writer) -> CircuitRead:
    """Register a circuit (committed rate ≤ bandwidth; provider selling the access)."""
    return CircuitRead.model_validate(inventory.create_circuit(db, body, actor=caller.actor))


@router.get("/circuits", response_model=Page[CircuitRead])
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
) -> Page[CircuitRead]:
    """Circuits, by ref (an establishment: its own)."""
    stmt = inventory.circuit_query(
        tenant=tenant,
        site=site,
        provider=provider,
        access=access,
        status=status,
        sla_class=sla_class,
    )
    return page_of(db, stmt, paging, CircuitRead)


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


@router.get("/maintenances", response_model=Page[MaintenanceRead])
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
) -> Page[MaintenanceRead]:
    """Maintenance windows, by start (an establishment: those of its circuits)."""
    stmt = inventory.maintenance_query(tenant=tenant, provider=provider, circuit=circuit, at=at)
    return page_of(db, stmt, paging, MaintenanceRead)


@router.get("/maintenances/{maintenance_id}", response_model=MaintenanceRead)
def get_maintenance(maintenance_id: RowId, db: DbSession, caller: Reader) -> MaintenanceRead:
    """One maintenance window (404 if another tenant's)."""
    return MaintenanceRead.model_validate(store.get(db, Maintenance, maintenance_id))


# --- VRFs ----------------------------------------------------------------------------


@router.post("/vrfs", status_code=CREATED, response_model=VrfRead)
def create_vrf(body: VrfCreate, db: DbSession, caller: Writer) -> VrfRead:
    """Create a VRF with its hub-and-spoke policy. RD and RT are allocated as ASN:N
    (SOCLE_NETWORK_ASN) unless given; a given one already in use is a 409."""
    return VrfRead.model_validate(vrfs.create_vrf(db, body, actor=caller.actor))


@router.get("/vrfs", response_model=Page[VrfRead])
def list_vrfs(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    kind: VrfKind | None = None,
    service: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[VrfRead]:
    """VRFs, by name (an establishment: its own)."""
    return page_of(db, vrfs.vrf_query(tenant=tenant, kind=kind, service=service), paging, VrfRead)


@router.get("/vrfs/{vrf_id}", response_model=VrfRead)
def get_vrf(vrf_id: RowId, db: DbSession, caller: Reader) -> VrfRead:
    """One VRF (404 if another tenant's)."""
    return VrfRead.model_validate(store.get(db, Vrf, vrf_id))


# --- prefix pools --------------------------------------------------------------------


@router.post("/pools", status_code=CREATED, response_model=PoolRead)
def create_pool(body: PoolCreate, db: DbSession, caller: Writer) -> PoolRead:
    """Create a prefix pool for a role (409 if it overlaps another pool)."""
    return PoolRead.model_validate(ipam.create_pool(db, body, actor=caller.actor))


@router.get("/pools", response_model=Page[PoolRead])
def list_pools(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    role: PoolRole | None = None,
    family: Family = None,
) -> Page[PoolRead]:
    """Prefix pools, by family then address."""
    return page_of(db, ipam.pool_query(role=role, family=family), paging, PoolRead)


@router.get("/pools/{pool_id}", response_model=PoolRead)
def get_pool(pool_id: RowId, db: DbSession, caller: Reader) -> PoolRead:
    """One prefix pool."""
    return PoolRead.model_validate(store.get(db, PrefixPool, pool_id))


# --- prefixes ------------------------------------------------------------------------


@router.post("/prefixes", status_code=CREATED, response_model=PrefixRead)
def create_prefix(body: PrefixCreate, db: DbSession, caller: Writer) -> PrefixRead:
    """Record an explicit prefix. It must lie inside a pool (else 422 on `prefix`) and
    overlap no allocated prefix (else 409 naming the prefix it overlaps)."""
    return PrefixRead.model_validate(ipam.assign(db, body, actor=caller.actor))


@router.post("/prefixes/{pool_id}/allocate", status_code=CREATED, response_model=PrefixRead)
def allocate_prefix(
    pool_id: Annotated[
        RowId,
        Path(
            description="Id of the **pool** to allocate from (see `/network/pools`), "
            "not of a prefix."
        ),
    ],
    body: PrefixAllocate,
    db: DbSession,
    caller: Writer,
) -> PrefixRead:
    """Allocate the next free prefix of `length` in pool `pool_id`: the lowest address
    first, aligned on its length, skipping allocated prefixes. IPv4 and IPv6. 409 when
    the pool has no room left; safe under concurrent allocations."""
    return PrefixRead.model_validate(ipam.allocate(db, pool_id, body, actor=caller.actor))


@router.get("/prefixes", response_model=Page[PrefixRead])
def list_prefixes(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    pool: Annotated[RowId | None, Query(description="Pool id.")] = None,
    tenant: TenantFiness = None,
    site: SiteCode = None,
    family: Family = None,
    role: PoolRole | None = None,
) -> Page[PrefixRead]:
    """Allocated prefixes, by family then address (an establishment: its sites')."""
    stmt = ipam.prefix_query(pool=pool, tenant=tenant, site=site, family=family, role=role)
    return page_of(db, stmt, paging, PrefixRead)


@router.get("/prefixes/{prefix_id}", response_model=PrefixRead)
def get_prefix(prefix_id: RowId, db: DbSession, caller: Reader) -> PrefixRead:
    """One allocated prefix (404 if another tenant's)."""
    return PrefixRead.model_validate(store.get(db, Prefix, prefix_id))


@router.delete("/prefixes/{prefix_id}", response_model=PrefixRead)
def release_prefix(prefix_id: RowId, db: DbSession, caller: Writer) -> PrefixRead:
    """Release an allocated prefix back to its pool; answers what was released."""
    return PrefixRead.model_validate(ipam.release(db, prefix_id, actor=caller.actor))


# --- configuration: plans, apply, drift, backups, migrations --------------------------
router.include_router(api_config.router)
router.include_router(api_changes.router)


# SLA report, breaches and contracts: /api/v1/network/sla (network/sla/api.py).
from network.sla.api import router as _sla_router  # noqa: E402

router.include_router(_sla_router)

# The monthly SLA report as a document: /api/v1/network/sla/report (network/sla/report_api.py).
from network.sla.report_api import router as _sla_report_router  # noqa: E402

router.include_router(_sla_report_router)

# Polled devices and observed circuits: /api/v1/network/monitors (network/polling/api.py).
from network.polling.api import router as _monitors_router  # noqa: E402

router.include_router(_monitors_router)
