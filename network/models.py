"""The network plane's tables: the inventory and the IP/VPN plan.

Rows an establishment owns (sites, their devices and circuits, tenant VRFs, prefixes
allocated to its sites, maintenance of its circuits) are :class:`TenantScoped`, so an
establishment's session only ever sees its own. Regional objects (providers, prefix
pools, PE routers, the shared-services VRF, provider-wide maintenance) have no tenant
(``tenant_id`` NULL) and are hidden from establishments by the same rule.

Each class names its kind (``__kind__``, used in errors and audit records) and its
natural key (``__key__``: what request bodies and the CLI use to refer to it).
Many-to-one relationships load joined, so a listing is one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant

KEY_WIDTH = 32  # hex digits of a 128-bit address: start/end keys sort and compare as text


class Provider(Base):
    """A telecom operator (MPLS VPN, or the THD dark-fibre network) and its contract."""

    __tablename__ = "network_providers"
    __kind__: ClassVar[str] = "provider"
    __key__: ClassVar[str] = "name"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    contract_ref: Mapped[str] = mapped_column(String(100))
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Site(TenantScoped, Base):
    """A place of an establishment connected to the regional network."""

    __tablename__ = "network_sites"
    __kind__: ClassVar[str] = "site"
    __key__: ClassVar[str] = "code"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(3), index=True)
    access: Mapped[str] = mapped_column(String(4), index=True)
    service_class: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")


class Device(TenantScoped, Base):
    """A router: a CE at an establishment's site, or a regional PE (no site, no tenant).

    ``credential_ref`` is a reference to the secret in the network plane's namespace
    (``env:SOCLE_SECRET_NETWORK_*`` or ``file:NAME``, see :mod:`network.secrets`), never
    the secret itself.
    """

    __tablename__ = "network_devices"
    __kind__: ClassVar[str] = "device"
    __key__: ClassVar[str] = "hostname"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    role: Mapped[str] = mapped_column(String(2), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("network_sites.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    mgmt_address: Mapped[str] = mapped_column(String(45))
    mgmt_port: Mapped[int] = mapped_column(Integer, default=22)
    username: Mapped[str] = mapped_column(String(64))
    credential_ref: Mapped[str] = mapped_column(String(200))
    asn: Mapped[int | None] = mapped_column(BigInteger)
    lan_interface: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship(lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")


class Circuit(TenantScoped, Base):
    """An access link from a site (A end, its CE) to the provider's network (Z end, a PE)."""

    __tablename__ = "network_circuits"
    __kind__: ClassVar[str] = "circuit"
    __key__: ClassVar[str] = "ref"
    __table_args__ = (
        CheckConstraint("committed_mbps <= bandwidth_mbps", name="committed_within_bandwidth"),
        CheckConstraint("committed_mbps > 0", name="committed_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("network_providers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("network_sites.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    a_device_id: Mapped[int | None] = mapped_column(ForeignKey("network_devices.id"))
    z_device_id: Mapped[int | None] = mapped_column(ForeignKey("network_devices.id"))
    a_interface: Mapped[str | None] = mapped_column(String(64))
    z_interface: Mapped[str | None] = mapped_column(String(64))
    vlan: Mapped[int | None] = mapped_column(Integer)
    access: Mapped[str] = mapped_column(String(4), index=True)
    bandwidth_mbps: Mapped[int] = mapped_column(Integer)
    committed_mbps: Mapped[int] = mapped_column(Integer)
    cos_profile: Mapped[str] = mapped_column(String(32))
    sla_class: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    vrf_id: Mapped[int | None] = mapped_column(ForeignKey("network_vrfs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(lazy="joined")
    site: Mapped[Site] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")
    a_device: Mapped[Device | None] = relationship(foreign_keys=[a_device_id], lazy="joined")
    z_device: Mapped[Device | None] = relationship(foreign_keys=[z_device_id], lazy="joined")
    vrf: Mapped[Vrf | None] = relationship(lazy="joined")


class Maintenance(TenantScoped, Base):
    """A planned maintenance window, on one circuit or on a whole provider's network.

    A provider-wide window (no tenant) concerns every site on that provider: every
    establishment may read it, none may change it.
    """

    __tablename__ = "network_maintenances"
    __shared_rows_readable__ = True
    __kind__: ClassVar[str] = "maintenance"
    __key__: ClassVar[str] = "id"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        CheckConstraint(
            "(circuit_id IS NULL) <> (provider_id IS NULL)", name="circuit_or_provider"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circuit_id: Mapped[int | None] = mapped_column(ForeignKey("network_circuits.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("network_providers.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    circuit: Mapped[Circuit | None] = relationship(lazy="joined")
    provider: Mapped[Provider | None] = relationship(lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")


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
    full policy (own RT plus the hub-and-spoke RTs, see :mod:`network.vpn`).
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


class ConfigBackup(TenantScoped, Base):
    """One running configuration fetched from a device, as the device showed it, with
    known secrets masked (:mod:`network.secrets`).

    ``source``: ``scheduled`` (the periodic backup job), ``pre-apply`` (read before a
    push: what a rollback restores), ``post-apply`` or ``post-rollback`` (read back after
    the job changed the device). A scheduled fetch identical to the device's latest
    version only moves that version's ``checked_at``.
    """

    __tablename__ = "network_config_backups"
    __kind__: ClassVar[str] = "config-backup"
    __key__: ClassVar[str] = "id"
    __table_args__ = (Index("ix_network_config_backups_device_latest", "device_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("network_devices.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Migration(TenantScoped, Base):
    """A site's move from MPLS to THD access: requested, then done make-before-break by
    the ``network.site-migration`` reconciler (:mod:`network.migrations`)."""

    __tablename__ = "network_migrations"
    __kind__: ClassVar[str] = "migration"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("network_sites.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    circuit_id: Mapped[int] = mapped_column(ForeignKey("network_circuits.id"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(lazy="joined")
    circuit: Mapped[Circuit] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


# SLA tables (network/sla) and the polling/probe monitors (network/polling), loaded with
# the plane's so Alembic and the app see them.
from network.polling import models as _polling_models  # noqa: E402,F401
from network.sla import models as _sla_models  # noqa: E402,F401
