"""The long-term archive's table: one row per deposited document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant


class ArchiveItem(TenantScoped, Base):
    """A document deposited in an archive subscription's write-once bucket(s).

    Each copy (one per locked bucket of the subscription) is an object version under
    S3 Object Lock in COMPLIANCE mode until ``retain_until``: nobody, not even the
    provider's root account, may delete or overwrite it before then. ``sha256`` is the
    digest computed at deposit; integrity checks re-read every copy against it.
    ``copies`` lists ``{"resource", "provider", "bucket", "version_id"}``.
    """

    __tablename__ = "hosting_archive_items"
    __kind__: ClassVar[str] = "archive"
    __key__: ClassVar[str] = "id"
    __table_args__ = (UniqueConstraint("subscription_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_subscriptions.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    object_key: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime)
    copies: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    deposited_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_ok: Mapped[bool | None] = mapped_column(Boolean)
    verify_detail: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
