"""The IP/VPN plan's tables: prefix pools, allocated prefixes and VRFs.

Prefixes allocated to an establishment's sites and its tenant VRFs are
:class:`TenantScoped`; pools and the shared-services VRF are regional (no tenant).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant
from network.inventory.models import Circuit, Site

KEY_WIDTH = 32  # hex digits of a 128-bit address: start/end keys sort and compare as text


class PrefixPool(Base):
    """A regional block of addresses for one role (site LANs, interconnects, loopbacks).

    ``start_key``/``end_key`` are the first and last addresses as fixed-width hex, so
    containment and overlap are plain indexed comparisons on either family.
    """

    __tablename__ = "network_pools"
    __kind__: ClassVar[str] = "pool"
    __key__: ClassVar[str] = "name"
    __table_args__ = (Index("ix_network_pools_span", "family", "start_key", "end_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    family: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str] = mapped_column(String(43), unique=True)
    start_key: Mapped[str] = mapped_column(String(KEY_WIDTH))
    end_key: Mapped[str] = mapped_column(String(KEY_WIDTH))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Prefix(TenantScoped, Base):
    """A prefix allocated from a pool, to a site (and so to its tenant) or to the region."""

    __tablename__ = "network_prefixes"
    __kind__: ClassVar[str] = "prefix"
    __key__: ClassVar[str] = "prefix"
    __table_args__ = (Index("ix_network_prefixes_span", "family", "start_key", "end_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("network_pools.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(43), unique=True)
    family: Mapped[int] = mapped_column(Integer)
    start_key: Mapped[str] = mapped_column(String(KEY_WIDTH))
    end_key: Mapped[str] = mapped_column(String(KEY_WIDTH))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("network_sites.id"), index=True)
    circuit_id: Mapped[int | None] = mapped_column(ForeignKey("network_circuits.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pool: Mapped[PrefixPool] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship(lazy="joined")
    circuit: Mapped[Circuit | None] = relationship(lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")

    @property
    def role(self) -> str:
        """The role of the pool the prefix was taken from."""
        return self.pool.role


class Vrf(TenantScoped, Base):
    """A VRF: shared services (no tenant) or one tenant's service, with its RD and RTs.

    ``route_target`` is the VRF's own RT; ``import_targets``/``export_targets`` are the
    full policy (own RT plus the hub-and-spoke RTs, see :mod:`network.ipam.vpn`).
    """

    __tablename__ = "network_vrfs"
    __kind__: ClassVar[str] = "vrf"
    __key__: ClassVar[str] = "name"
    __table_args__ = (UniqueConstraint("tenant_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    service: Mapped[str] = mapped_column(String(32))
    rd: Mapped[str] = mapped_column(String(32), unique=True)
    route_target: Mapped[str] = mapped_column(String(32), unique=True)
    import_targets: Mapped[list[str]] = mapped_column(JSONType)
    export_targets: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant | None] = relationship(lazy="joined")
