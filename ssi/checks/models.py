"""Tables of the technical checks: the endpoints an establishment declares, and each
check's dated result (what was open, which TLS versions and certificate, what the SSH
server offered, and the findings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class CheckTarget(TenantScoped, Base):
    """An endpoint of an establishment to check: the ports to scan (and which of them
    are expected open), and which ports speak TLS or SSH."""

    __tablename__ = "ssi_check_targets"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    __kind__: ClassVar[str] = "check-target"
    __key__: ClassVar[str] = "name"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255))
    ports: Mapped[list[int]] = mapped_column(JSONType, default=list)
    expected_open: Mapped[list[int]] = mapped_column(JSONType, default=list)
    tls_ports: Mapped[list[int]] = mapped_column(JSONType, default=list)
    ssh_ports: Mapped[list[int]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")


class CheckResult(TenantScoped, Base):
    """One check of one target by one job (at most one per job and target, so a resumed
    job does not check a target twice)."""

    __tablename__ = "ssi_check_results"
    __table_args__ = (UniqueConstraint("job_id", "target_id"),)
    __kind__: ClassVar[str] = "check-result"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("ssi_check_targets.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    passed: Mapped[bool] = mapped_column(Boolean)
    open_ports: Mapped[list[int]] = mapped_column(JSONType, default=list)
    tls: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    ssh: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    target: Mapped[CheckTarget] = relationship(lazy="joined")
