"""``socle network vrf|pool|prefix ...``: the IP/VPN plan from the command line.

``create``, ``list`` (``--json``) and ``show`` by natural key (VRF name, pool name,
prefix); ``prefix allocate`` takes the next free prefix of a pool; ``vrf check``
verifies the hub-and-spoke policy.
"""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy import Select
from sqlalchemy.orm import Session

from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    emit_query,
    emit_row,
    handle_errors,
    local_actor,
    sub_app,
    transaction,
)
from network.errors import store
from network.inventory.cli import _normal
from network.ipam import service as ipam
from network.ipam import vrfs
from network.ipam.models import Prefix, PrefixPool, Vrf
from network.ipam.schemas import (
    PoolCreate,
    PoolRead,
    PoolRole,
    PrefixAllocate,
    PrefixCreate,
    PrefixRead,
    VrfCreate,
    VrfRead,
    normalize_cidr,
)
from network.ipam.vpn import VrfKind, violations

app = typer.Typer()
vrf_app = sub_app(app, "vrf", "VRFs, RD/RT and the hub-and-spoke policy.")
pool_app = sub_app(app, "pool", "Prefix pools (site LANs, interconnects, loopbacks).")
prefix_app = sub_app(app, "prefix", "Allocated prefixes.")


# --- VRFs ----------------------------------------------------------------------------


@vrf_app.command("create")
@handle_errors
def vrf_create(
    name: str = typer.Option(...),
    kind: VrfKind = typer.Option(..., help="shared (ENRS, hosting) or tenant."),
    service: str = typer.Option(..., help="Service carried, e.g. gfu."),
    tenant: str | None = typer.Option(None, help="FINESS (tenant VRFs)."),
    rd: str | None = typer.Option(None, help="ASN:N (allocated if absent)."),
    route_target: str | None = typer.Option(None, help="ASN:N (allocated if absent)."),
    as_json: bool = JsonOption,
) -> None:
    """Create a VRF with its hub-and-spoke policy."""
    data = VrfCreate(
        name=name, kind=kind, tenant=tenant, service=service, rd=rd, route_target=route_target
    )
    emit_row(lambda db: vrfs.create_vrf(db, data, actor=local_actor()), VrfRead, as_json,
             write=True)


@vrf_app.command("list")
@handle_errors
def vrf_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    kind: VrfKind | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """List VRFs."""
    emit_query(vrfs.vrf_query(tenant=tenant, kind=kind), VrfRead, as_json, title="VRFs",
               columns=["id", "name", "kind", "tenant", "service", "rd", "route_target"])


@vrf_app.command("show")
@handle_errors
def vrf_show(name: str, as_json: bool = JsonOption) -> None:
    """Show a VRF and its import/export RTs."""
    emit_row(lambda db: store.by_key(db, Vrf, name), VrfRead, as_json,
             write=False)


@vrf_app.command("check")
@handle_errors
def vrf_check() -> None:
    """Check hub-and-spoke isolation over every VRF; exit 1 naming each violation."""
    with transaction(write=False) as db:
        found = violations(vrfs.as_policy(v) for v in db.scalars(vrfs.vrf_query()))
    for line in found:
        console.print(f"[red]violation[/red] {line}", markup=True)
    if found:
        raise typer.Exit(1)
    console.print("every tenant VRF reaches the shared services, and no other tenant")


# --- pools ---------------------------------------------------------------------------


@pool_app.command("create")
@handle_errors
def pool_create(
    name: str = typer.Option(...),
    prefix: str = typer.Option(..., help="e.g. 10.64.0.0/12 or 2001:db8:100::/40."),
    role: PoolRole = typer.Option(...),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Create a prefix pool."""
    data = PoolCreate(name=name, prefix=prefix, role=role, description=description)
    emit_row(lambda db: ipam.create_pool(db, data, actor=local_actor()), PoolRead, as_json,
             write=True)


@pool_app.command("list")
@handle_errors
def pool_list(
    role: PoolRole | None = typer.Option(None),
    family: int | None = typer.Option(None, help="4 or 6."),
    as_json: bool = JsonOption,
) -> None:
    """List prefix pools."""
    emit_query(ipam.pool_query(role=role, family=family), PoolRead, as_json, title="Pools",
               columns=["id", "name", "prefix", "role", "description"])


@pool_app.command("show")
@handle_errors
def pool_show(name: str, as_json: bool = JsonOption) -> None:
    """Show a prefix pool."""
    emit_row(lambda db: store.by_key(db, PrefixPool, name), PoolRead, as_json,
             write=False)


# --- prefixes ------------------------------------------------------------------------


@prefix_app.command("allocate")
@handle_errors
def prefix_allocate(
    pool: str = typer.Option(..., help="Pool name."),
    length: int = typer.Option(..., help="Prefix length, e.g. 24 or 64."),
    site: str | None = typer.Option(None, help="Site code."),
    circuit: str | None = typer.Option(None, help="Circuit ref (an interconnect)."),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Allocate the next free prefix of LENGTH in a pool."""
    data = PrefixAllocate(length=length, site=site, circuit=circuit, description=description)
    with transaction() as db:
        pool_id = store.by_key(db, PrefixPool, pool).id
        item = PrefixRead.model_validate(ipam.allocate(db, pool_id, data, actor=local_actor()))
    emit_item(item, as_json)


@prefix_app.command("create")
@handle_errors
def prefix_create(
    prefix: str,
    site: str | None = typer.Option(None, help="Site code."),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Record an explicit prefix (inside a pool, overlapping nothing)."""
    data = PrefixCreate(prefix=prefix, site=site, description=description)
    emit_row(lambda db: ipam.assign(db, data, actor=local_actor()), PrefixRead, as_json,
             write=True)


@prefix_app.command("list")
@handle_errors
def prefix_list(
    pool: str | None = typer.Option(None, help="Pool name."),
    tenant: str | None = typer.Option(None, help="FINESS."),
    site: str | None = typer.Option(None, help="Site code."),
    as_json: bool = JsonOption,
) -> None:
    """List allocated prefixes."""

    def query(db: Session) -> Select[Any]:
        pool_id = store.by_key(db, PrefixPool, pool).id if pool else None
        return ipam.prefix_query(pool=pool_id, tenant=tenant, site=site)

    emit_query(query, PrefixRead, as_json, title="Prefixes",
               columns=["id", "prefix", "role", "pool", "site", "tenant", "description"])


@prefix_app.command("show")
@handle_errors
def prefix_show(prefix: str, as_json: bool = JsonOption) -> None:
    """Show an allocated prefix."""
    emit_row(lambda db: store.by_key(db, Prefix, _normal(normalize_cidr, prefix)), PrefixRead,
             as_json, write=False)


@prefix_app.command("release")
@handle_errors
def prefix_release(prefix: str) -> None:
    """Give an allocated prefix back to its pool."""
    with transaction() as db:
        found = store.by_key(db, Prefix, _normal(normalize_cidr, prefix))
        ipam.release(db, found.id, actor=local_actor())
    console.print(f"prefix {found.prefix} released")
