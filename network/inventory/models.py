"""The inventory's tables: providers, sites, devices, circuits, maintenance windows.

Rows an establishment owns (sites, their devices and circuits, maintenance of its
circuits) are :class:`TenantScoped`, so an establishment's session only ever sees its
own. Regional objects (providers, PE routers, provider-wide maintenance) have no
tenant (``tenant_id`` NULL) and are hidden from establishments by the same rule.

Each class names its kind (``__kind__``, used in errors and audit records) and its
natural key (``__key__``: what request bodies and the CLI use to refer to it).
Many-to-one relationships load joined, so a listing is one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant

if TYPE_CHECKING:
    from network.ipam.models import Vrf


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
