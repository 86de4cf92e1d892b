"""The HDS providers table (regional: no tenant).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    Date,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from controlplane.db import Base, JSONType, UTCDateTime, utcnow


class HostingProvider(Base):
    """An HDS-certified provider: its certificate, data location, endpoints and capacity.

    ``credential_ref`` says where the S3/EC2 keys are (a reference of the hosting plane's
    secrets, :data:`hosting.secrets.SECRETS`), never what they are.
    """

    __tablename__ = "hosting_providers"
    __kind__: ClassVar[str] = "provider"
    __key__: ClassVar[str] = "name"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    certificate_activities: Mapped[list[int]] = mapped_column(JSONType, default=list)
    certification_body: Mapped[str] = mapped_column(String(100))
    certificate_expires_on: Mapped[date] = mapped_column(Date)
    country: Mapped[str] = mapped_column(String(2))
    location: Mapped[str] = mapped_column(String(100))
    s3_endpoint: Mapped[str | None] = mapped_column(String(300))
    s3_region: Mapped[str | None] = mapped_column(String(50))
    ec2_endpoint: Mapped[str | None] = mapped_column(String(300))
    credential_ref: Mapped[str] = mapped_column(String(200))
    capacity_gb: Mapped[int] = mapped_column(Integer)
    capacity_vcpus: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
