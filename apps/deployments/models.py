"""Deployments, the instances they leave running and their health checks over time
(regional: no tenant). The services and their versions are data
(:mod:`apps.catalogue`), referred to by name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from apps.targets.models import AppTarget
from controlplane.db import Base, JSONType, UTCDateTime, utcnow


class Deployment(Base):
    """A request to run releases of services on targets, and how it went.

    ``releases`` lists ``{"service", "version", "previous"}`` in dependency order;
    ``config`` holds each service's configuration as requested (without secrets);
    ``rendered`` the exact configuration deployed, establishments' settings included
    (fixed when the service's step first runs, or given by a rollback, which restores an
    earlier deployment's exactly); ``secret_refs`` where its secrets are (references,
    never values). ``state``:
    queued → running → succeeded | failed | rolled_back; ``reason`` says why.
    """

    __tablename__ = "apps_deployments"
    __kind__: ClassVar[str] = "deployment"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(16), default="deploy")
    releases: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    targets: Mapped[list[str]] = mapped_column(JSONType, default=list)
    strategy: Mapped[str] = mapped_column(String(16), default="rolling")
    batch_size: Mapped[int] = mapped_column(Integer, default=1)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rendered: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secret_refs: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    reason: Mapped[str | None] = mapped_column(Text)
    rollback_of: Mapped[int | None] = mapped_column(ForeignKey("apps_deployments.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Instance(Base):
    """A service on a target: the release and configuration it should run (set when a
    deployment succeeded there), its health, and what was last observed (drift)."""

    __tablename__ = "apps_instances"
    __kind__: ClassVar[str] = "instance"
    __key__: ClassVar[str] = "id"
    __table_args__ = (UniqueConstraint("service", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("apps_targets.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    previous_version: Mapped[str | None] = mapped_column(String(32))
    config_sha256: Mapped[str] = mapped_column(String(64))
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_detail: Mapped[str | None] = mapped_column(Text)
    drift: Mapped[list[str]] = mapped_column(JSONType, default=list)
    observed: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("apps_deployments.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    target: Mapped[AppTarget] = relationship(lazy="joined")


class HealthDay(Base):
    """One UTC day of one instance's health checks, as 1,440-minute bitmaps
    (``numpy.packbits``, 180 bytes each, most significant bit first): ``checked`` marks
    the minutes in which a check ran, ``up`` those in which every check answered (see
    :mod:`apps.deployments.uptime`). A minute no check ran in is neither."""

    __tablename__ = "apps_health_days"

    instance_id: Mapped[int] = mapped_column(ForeignKey("apps_instances.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    checked: Mapped[bytes] = mapped_column(LargeBinary)
    up: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
