"""The enrolments table: an establishment's subscriptions to regional services
(:class:`TenantScoped`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class Enrolment(TenantScoped, Base):
    """An establishment's use of a service, with its settings (validated against the
    service's ``tenant_settings_schema``), rendered into the service's configuration."""

    __tablename__ = "apps_enrolments"
    __kind__: ClassVar[str] = "enrolment"
    __key__: ClassVar[str] = "id"
    __table_args__ = (UniqueConstraint("tenant_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
