"""What the poller and the probes watch, and what they last saw of each device.

A :class:`DeviceMonitor` says a device is polled over SNMP (where: its management
address unless ``snmp_host`` is given, and port) and holds its last poll status: ``ok``
or ``unreachable`` with the reason (timeout, auth, malformed, error) and a detail that
never holds a key or a community. A :class:`CircuitMonitor` says which interface of the
circuit's A-end device carries it (``if_index``) and where its site's probe reflector
answers. Both rows carry their tenant (NULL for a regional PE), so an establishment
sees only its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant
from network.inventory.models import Circuit, Device


class DeviceMonitor(TenantScoped, Base):
    """SNMP polling of one device (spec) and the outcome of its last poll (status)."""

    __tablename__ = "network_device_monitors"
    __kind__: ClassVar[str] = "device-monitor"
    __key__: ClassVar[str] = "device_id"

    device_id: Mapped[int] = mapped_column(ForeignKey("network_devices.id"), primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    snmp_host: Mapped[str | None] = mapped_column(String(253))
    snmp_port: Mapped[int] = mapped_column(Integer, default=161)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    reason: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    device: Mapped[Device] = relationship(lazy="joined")
    tenant: Mapped[Tenant | None] = relationship(lazy="joined")


class CircuitMonitor(TenantScoped, Base):
    """Where a circuit is observed: its interface on the A-end device, its probe target;
    and what the latest poll of that device (``up``, ``down``, ``silent``: no answer
    while others answered, ``unread``: an answer that says nothing of the interface) and
    the latest probe round (``answered``, ``lost``) saw of it, with when."""

    __tablename__ = "network_circuit_monitors"
    __kind__: ClassVar[str] = "circuit-monitor"
    __key__: ClassVar[str] = "circuit_id"

    circuit_id: Mapped[int] = mapped_column(ForeignKey("network_circuits.id"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    if_index: Mapped[int | None] = mapped_column(Integer)
    probe_host: Mapped[str | None] = mapped_column(String(253))
    probe_port: Mapped[int | None] = mapped_column(Integer)
    polled_state: Mapped[str | None] = mapped_column(String(8))
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    probed_state: Mapped[str | None] = mapped_column(String(8))
    probed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    circuit: Mapped[Circuit] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")
