"""The configuration side's tables: routers' running-configuration backups and
MPLS→THD migrations of sites.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant
from network.inventory.models import Circuit, Site


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
    the ``network.site-migration`` reconciler (:mod:`network.config.migrations`)."""

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
