"""The offer catalogue's table (regional: no tenant).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from controlplane.db import Base, JSONType, UTCDateTime, utcnow


class Offer(Base):
    """A catalogue entry: its kind, parameter ranges, monthly price and service levels.

    ``parameters`` maps a parameter name to ``{"min", "max", "default", "unit",
    "unit_price_cents"}``; a request's monthly cost is ``monthly_price_cents`` plus each
    parameter's value times its unit price. Backup tiers fill the ``backup_*`` columns;
    VM flavours name the machine image they boot (``image_id``).
    """

    __tablename__ = "hosting_offers"
    __kind__: ClassVar[str] = "offer"
    __key__: ClassVar[str] = "code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    monthly_price_cents: Mapped[int] = mapped_column(Integer)
    backup_frequency: Mapped[str | None] = mapped_column(String(16))
    retention_days: Mapped[int | None] = mapped_column(Integer)
    rpo_hours: Mapped[int | None] = mapped_column(Integer)
    immutable: Mapped[bool] = mapped_column(Boolean, default=False)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    image_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
