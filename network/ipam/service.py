"""IP address management: prefix pools and the prefixes allocated from them (IPv4, IPv6).

Pools never overlap one another, so every allocated prefix lies in exactly one pool.
Allocations in a pool are serialised by a row lock on the pool (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite already runs one writer at a time), so two concurrent
allocations never return the same prefix; the unique prefix column backs this up.

Addresses are also stored as fixed-width hex keys (``start_key``/``end_key``), so
"inside a pool" and "overlaps an allocation" are indexed comparisons in SQL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from controlplane.tenants import of_tenant
from network import errors
from network.errors import store
from network.inventory.models import Circuit, Site
from network.inventory.service import of_site
from network.ipam.models import KEY_WIDTH, Prefix, PrefixPool
from network.ipam.schemas import (
    PoolCreate,
    PoolRead,
    PoolRole,
    PrefixAllocate,
    PrefixCreate,
    PrefixRead,
)

IPNetwork = IPv4Network | IPv6Network


def key(address: IPv4Address | IPv6Address) -> str:
    """An address as fixed-width hex, so text order is numeric order."""
    return f"{int(address):0{KEY_WIDTH}x}"


def span(network: IPNetwork) -> tuple[str, str]:
    """Keys of the first and last address of ``network``."""
    return key(network.network_address), key(network.broadcast_address)


def next_free(pool: IPNetwork, length: int, taken: Iterable[IPNetwork]) -> IPNetwork | None:
    """The lowest prefix of ``length`` inside ``pool``, aligned, overlapping none of
    ``taken`` (non-overlapping prefixes sorted by address); None when the pool is full."""
    spans = ((int(block.network_address), int(block.broadcast_address)) for block in taken)
    return _first_gap(pool, length, spans)


def _first_gap(
    pool: IPNetwork, length: int, taken: Iterable[tuple[int, int]]
) -> IPNetwork | None:
    """:func:`next_free` on the (first, last) addresses of the taken prefixes as integers
    (read from the stored keys: no address parsing per allocated prefix)."""
    if not pool.prefixlen <= length <= pool.max_prefixlen:
        raise ValueError(f"length {length} does not fit in {pool}")
    size = 1 << (pool.max_prefixlen - length)
    candidate = int(pool.network_address)
    for first, last in taken:
        if candidate + size <= first:
            break
        if last >= candidate:
            candidate = -(-(last + 1) // size) * size  # next aligned start after the block
    if candidate + size - 1 > int(pool.broadcast_address):
        return None
    return type(pool)((candidate, length))


def _overlapping(model: type[PrefixPool] | type[Prefix], network: IPNetwork) -> ColumnElement[bool]:
    start, end = span(network)
    return and_(model.family == network.version, model.start_key <= end, model.end_key >= start)


# --- pools ---------------------------------------------------------------------------


def create_pool(db: Session, data: PoolCreate, *, actor: str) -> PrefixPool:
    """Create a pool (409 if its name exists or it overlaps another pool)."""
    network = ipaddress.ip_network(data.prefix)

    def build() -> PrefixPool:
        if store.find(db, PrefixPool, data.name) is not None:
            raise errors.duplicate("pool", "name", data.name)
        clash = db.scalar(select(PrefixPool).where(_overlapping(PrefixPool, network)).limit(1))
        if clash is not None:
            raise errors.conflict(
                errors.POOL_OVERLAP, "prefix", f"overlaps pool {clash.name} ({clash.prefix})"
            )
        start, end = span(network)
        return PrefixPool(
            name=data.name,
            role=data.role.value,
            family=network.version,
            prefix=str(network),
            start_key=start,
            end_key=end,
            description=data.description,
        )

    return store.insert(db, build, actor=actor, read=PoolRead)


def pool_query(
    *, role: PoolRole | None = None, family: int | None = None
) -> Select[tuple[PrefixPool]]:
    """Pools by family then address, filtered by role and family."""
    stmt = select(PrefixPool).order_by(PrefixPool.family, PrefixPool.start_key)
    if role:
        stmt = stmt.where(PrefixPool.role == role.value)
    if family:
        stmt = stmt.where(PrefixPool.family == family)
    return stmt


def _locked_pool(db: Session, pool_id: int) -> PrefixPool:
    """The pool, locked until the transaction ends (allocations in it queue behind)."""
    pool = db.scalar(select(PrefixPool).where(PrefixPool.id == pool_id).with_for_update())
    if pool is None:
        raise errors.not_found("pool", pool_id)
    return pool


# --- prefixes ------------------------------------------------------------------------


def _new_prefix(
    pool: PrefixPool, network: IPNetwork, owner: tuple[Site | None, Circuit | None],
    description: str,
) -> Prefix:
    start, end = span(network)
    site, circuit = owner
    return Prefix(
        pool=pool,
        prefix=str(network),
        family=network.version,
        start_key=start,
        end_key=end,
        site=site,
        circuit=circuit,
        tenant=site.tenant if site else None,
        description=description,
    )


def _owner(db: Session, data: PrefixCreate | PrefixAllocate) -> tuple[Site | None, Circuit | None]:
    """The site a prefix is for, and the circuit (an interconnect: its site follows)."""
    if data.circuit is None:
        return (store.reference(db, Site, data.site, field="site") if data.site else None), None
    circuit = store.reference(db, Circuit, data.circuit, field="circuit")
    if data.site is not None and data.site != circuit.site.code:
        raise errors.invalid("site", f"circuit {circuit.ref} is at site {circuit.site.code}")
    return circuit.site, circuit


def allocate(db: Session, pool_id: int, data: PrefixAllocate, *, actor: str) -> Prefix:
    """Allocate the next free prefix of ``data.length`` in the pool: the lowest address
    first, aligned, skipping allocated prefixes (409 when the pool is full)."""
    pool = _locked_pool(db, pool_id)
    network = ipaddress.ip_network(pool.prefix)
    if not network.prefixlen <= data.length <= network.max_prefixlen:
        raise errors.invalid(
            "length",
            f"between {network.prefixlen} and {network.max_prefixlen} in pool {pool.name} "
            f"({pool.prefix})",
            errors.BAD_LENGTH,
        )
    owner = _owner(db, data)

    def build() -> Prefix:
        taken = db.execute(
            select(Prefix.start_key, Prefix.end_key)
            .where(Prefix.pool_id == pool.id)
            .order_by(Prefix.start_key)
        )
        free = _first_gap(network, data.length, ((int(a, 16), int(b, 16)) for a, b in taken))
        if free is None:
            raise errors.conflict(
                errors.POOL_EXHAUSTED,
                "length",
                f"no free /{data.length} left in pool {pool.name} ({pool.prefix})",
            )
        return _new_prefix(pool, free, owner, data.description)

    return store.insert(db, build, actor=actor, read=PrefixRead, verb="allocate")


def assign(db: Session, data: PrefixCreate, *, actor: str) -> Prefix:
    """Record an explicit prefix: inside a pool (else 422 on ``prefix``) and overlapping
    no allocated prefix (else 409 naming the one it overlaps)."""
    network = ipaddress.ip_network(data.prefix)
    start, end = span(network)
    pool_id = db.scalar(
        select(PrefixPool.id).where(
            PrefixPool.family == network.version,
            PrefixPool.start_key <= start,
            PrefixPool.end_key >= end,
        )
    )
    if pool_id is None:
        raise errors.invalid("prefix", f"{network} lies in no pool", errors.OUTSIDE_POOL)
    pool = _locked_pool(db, pool_id)
    owner = _owner(db, data)

    def build() -> Prefix:
        clash = db.scalar(
            select(Prefix).where(_overlapping(Prefix, network)).order_by(Prefix.start_key).limit(1)
        )
        if clash is not None:
            raise errors.conflict(
                errors.PREFIX_OVERLAP, "prefix", f"overlaps allocated prefix {clash.prefix}"
            )
        return _new_prefix(pool, network, owner, data.description)

    return store.insert(db, build, actor=actor, read=PrefixRead)


def release(db: Session, prefix_id: int, *, actor: str) -> Prefix:
    """Give an allocated prefix back to its pool (audited with what it was)."""
    prefix = store.get(db, Prefix, prefix_id)
    store.record(db, prefix, actor=actor, verb="release", read=PrefixRead, deleted=True)
    db.delete(prefix)
    db.flush()
    return prefix


def prefix_query(
    *,
    pool: int | None = None,
    tenant: str | None = None,
    site: str | None = None,
    family: int | None = None,
    role: PoolRole | None = None,
) -> Select[tuple[Prefix]]:
    """Allocated prefixes by family then address, filtered by pool id, tenant FINESS,
    site code, family and pool role."""
    stmt = select(Prefix).order_by(Prefix.family, Prefix.start_key)
    if pool:
        stmt = stmt.where(Prefix.pool_id == pool)
    if tenant:
        stmt = stmt.where(of_tenant(Prefix.tenant_id, tenant))
    if site:
        stmt = stmt.where(of_site(Prefix.site_id, site))
    if family:
        stmt = stmt.where(Prefix.family == family)
    if role:
        stmt = stmt.where(
            Prefix.pool_id.in_(select(PrefixPool.id).where(PrefixPool.role == role.value))
        )
    return stmt
