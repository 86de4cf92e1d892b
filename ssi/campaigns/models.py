"""Tables of the diagnostic flash: campaigns (regional) and assessments (per establishment).

A campaign pins one version of a checklist framework; its assessments are answered
against that version forever after. An assessment belongs to one establishment and is
:class:`TenantScoped`. The campaign keeps the anonymous scores of its submitted
assessments (``results``: assessment id → overall and chapter scores), so an
establishment can be compared with the region without reading anyone else's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class Campaign(Base):
    """A diagnostic flash campaign opened by the RSSI for a set of establishments."""

    __tablename__ = "ssi_campaigns"
    __kind__: ClassVar[str] = "campaign"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    framework_id: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    description: Mapped[str | None] = mapped_column(Text)
    results: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Assessment(TenantScoped, Base):
    """One establishment's answers to a campaign's checklist, and its score once submitted."""

    __tablename__ = "ssi_assessments"
    __table_args__ = (UniqueConstraint("campaign_id", "tenant_id"),)
    __kind__: ClassVar[str] = "assessment"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ssi_campaigns.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    overall: Mapped[float | None] = mapped_column(Float)
    maturity_level: Mapped[int | None] = mapped_column(Integer)
    chapter_scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")
