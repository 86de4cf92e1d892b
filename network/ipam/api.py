"""``/api/v1/network``: VRFs, prefix pools and prefixes (the IP/VPN plan).

Reads need ``network:read`` (an establishment sees only its own VRFs and prefixes);
writes need ``network:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId
from network.errors import store
from network.inventory.api import SiteCode
from network.ipam import service as ipam
from network.ipam import vrfs
from network.ipam.models import Prefix, PrefixPool, Vrf
from network.ipam.schemas import (
    IpFamily,
    PoolCreate,
    PoolRead,
    PoolRole,
    PrefixAllocate,
    PrefixCreate,
    PrefixRead,
    VrfCreate,
    VrfRead,
    VrfUpdate,
)
from network.ipam.vpn import VrfKind

router = APIRouter()

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]
CREATED = status.HTTP_201_CREATED
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}
Family = Annotated[IpFamily | None, Query(description="IP version: 4 or 6.")]


# --- VRFs ----------------------------------------------------------------------------


@router.post("/vrfs", status_code=CREATED, response_model=VrfRead)
def create_vrf(body: VrfCreate, db: DbSession, caller: Writer) -> VrfRead:
    """Create a VRF with its hub-and-spoke policy. RD and RT are allocated as ASN:N
    (SOCLE_NETWORK_ASN) unless given; a given one already in use is a 409."""
    return VrfRead.model_validate(vrfs.create_vrf(db, body, actor=caller.actor))


@router.get("/vrfs", response_model=Page[VrfRead], responses=EXPORT_RESPONSES)
def list_vrfs(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    kind: VrfKind | None = None,
    service: Annotated[str | None, Query(max_length=32)] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[VrfRead] | Response:
    """VRFs, by name (an establishment: its own)."""
    return page_or_export(db, vrfs.vrf_query(tenant=tenant, kind=kind, service=service), paging,
                          VrfRead, format, title="VRF")


@router.get("/vrfs/{vrf_id}", response_model=VrfRead)
def get_vrf(vrf_id: RowId, db: DbSession, caller: Reader) -> VrfRead:
    """One VRF (404 if another tenant's)."""
    return VrfRead.model_validate(store.get(db, Vrf, vrf_id))


# --- prefix pools --------------------------------------------------------------------


@router.post("/pools", status_code=CREATED, response_model=PoolRead)
def create_pool(body: PoolCreate, db: DbSession, caller: Writer) -> PoolRead:
    """Create a prefix pool for a role (409 if it overlaps another pool)."""
    return PoolRead.model_validate(ipam.create_pool(db, body, actor=caller.actor))


@router.get("/pools", response_model=Page[PoolRead], responses=EXPORT_RESPONSES)
def list_pools(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    role: PoolRole | None = None,
    family: Family = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[PoolRead] | Response:
    """Prefix pools, by family then address."""
    return page_or_export(db, ipam.pool_query(role=role, family=family), paging, PoolRead, format,
                          title="Plages d'adresses")


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


@router.get("/prefixes", response_model=Page[PrefixRead], responses=EXPORT_RESPONSES)
def list_prefixes(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    pool: Annotated[RowId | None, Query(description="Pool id.")] = None,
    tenant: TenantFiness = None,
    site: SiteCode = None,
    family: Family = None,
    role: PoolRole | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[PrefixRead] | Response:
    """Allocated prefixes, by family then address (an establishment: its sites')."""
    stmt = ipam.prefix_query(pool=pool, tenant=tenant, site=site, family=family, role=role)
    return page_or_export(db, stmt, paging, PrefixRead, format, title="Préfixes alloués")


@router.get("/prefixes/{prefix_id}", response_model=PrefixRead)
def get_prefix(prefix_id: RowId, db: DbSession, caller: Reader) -> PrefixRead:
    """One allocated prefix (404 if another tenant's)."""
    return PrefixRead.model_validate(store.get(db, Prefix, prefix_id))


@router.delete("/prefixes/{prefix_id}", response_model=PrefixRead)
def release_prefix(prefix_id: RowId, db: DbSession, caller: Writer) -> PrefixRead:
    """Release an allocated prefix back to its pool; answers what was released."""
    return PrefixRead.model_validate(ipam.release(db, prefix_id, actor=caller.actor))


@router.patch("/vrfs/{vrf_id}", response_model=VrfRead)
def update_vrf(vrf_id: RowId, body: VrfUpdate, db: DbSession, caller: Writer) -> VrfRead:
    """Renumber a VRF (new RD and/or route target; the policy follows)."""
    vrf = store.get(db, Vrf, vrf_id)
    return VrfRead.model_validate(vrfs.update_vrf(db, vrf, body, actor=caller.actor))


@router.delete("/vrfs/{vrf_id}", **GONE)
def delete_vrf(vrf_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a VRF no circuit carries (else 409)."""
    store.delete(db, store.get(db, Vrf, vrf_id), actor=caller.actor, read=VrfRead)
