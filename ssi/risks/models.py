"""The EBIOS RM risk study table: one row per study of an establishment.

The study's workshops (business values, supporting assets, feared events, risk
sources, stakeholders, scenarios, treatment measures) form one document, validated as a
whole by :class:`ssi.risks.schemas.StudyContent` (every cross-reference resolved), and
stored in ``content``; the matrix and residual risks are computed from it on read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class RiskStudy(TenantScoped, Base):
    """An EBIOS Risk Manager study of one establishment."""

    __tablename__ = "ssi_risk_studies"
    __table_args__ = (UniqueConstraint("tenant_id", "title"),)
    __kind__: ClassVar[str] = "risk-study"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
