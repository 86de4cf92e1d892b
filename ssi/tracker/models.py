"""Tables of the HN / CaRE tracker: what an establishment declares for an indicator.

Automatic evidence is not stored here: it is read live from the planes that measure it
(:mod:`controlplane.evidence`), so it is always as fresh as the plane's own records.
A declaration is one row per (tenant, framework, item), replaced when declared again;
the audit log keeps the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class IndicatorDeclaration(TenantScoped, Base):
    """An establishment's declared value for one indicator or requirement, with a note
    saying what backs it; ``framework_version`` is the version it was declared against."""

    __tablename__ = "ssi_indicator_declarations"
    __table_args__ = (UniqueConstraint("tenant_id", "framework_id", "item_id"),)
    __kind__: ClassVar[str] = "declaration"
    __key__: ClassVar[str] = "item_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
