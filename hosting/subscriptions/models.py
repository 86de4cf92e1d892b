"""Requests, subscriptions, their provisioned resources and quotas: an establishment's
rows, :class:`TenantScoped`, so its session only ever sees its own.

Each class names its kind (``__kind__``, used in errors and audit records) and its
natural key (``__key__``: what request bodies and the CLI use to refer to it).
Many-to-one relationships load joined, so a listing is one query.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Job, Tenant
from hosting.catalogue.models import Offer
from hosting.providers.models import HostingProvider


class HostingRequest(TenantScoped, Base):
    """An establishment's request for an offer, its plan (placement) and its outcome.

    ``state``: requested → approved → provisioning → active, or rejected, or failed
    (a failed request may be approved again: the retry converges). ``idempotency_key``
    is unique across installations: provider resources are named and tagged with it, so
    every attempt finds what an earlier one created.
    """

    __tablename__ = "hosting_requests"
    __kind__: ClassVar[str] = "request"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("hosting_offers.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: uuid.uuid4().hex
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    monthly_cost_cents: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True, default="requested")
    reason: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="joined")
    job: Mapped[Job | None] = relationship(lazy="raise")


class Subscription(TenantScoped, Base):
    """What an approved request became: the tenant's running service and its resources."""

    __tablename__ = "hosting_subscriptions"
    __kind__: ClassVar[str] = "subscription"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hosting_requests.id"), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("hosting_offers.id"), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    monthly_cost_cents: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True, default="provisioning")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="joined")
    resources: Mapped[list[Resource]] = relationship(
        lazy="selectin", order_by="Resource.key", cascade="all, delete-orphan"
    )


class Resource(TenantScoped, Base):
    """A resource provisioned for a subscription at a provider (bucket, instance, volume).

    ``key`` is the resource's stable name inside its subscription (``bucket-0``...);
    ``external_id`` is the provider's identifier (bucket name, instance id...).
    """

    __tablename__ = "hosting_resources"
    __kind__: ClassVar[str] = "resource"
    __key__: ClassVar[str] = "id"
    __table_args__ = (UniqueConstraint("subscription_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_subscriptions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[int] = mapped_column(ForeignKey("hosting_providers.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[HostingProvider] = relationship(lazy="joined")


class Quota(TenantScoped, Base):
    """How much hosting an establishment may subscribe per month (absent: the default)."""

    __tablename__ = "hosting_quotas"
    __kind__: ClassVar[str] = "quota"
    __key__: ClassVar[str] = "tenant_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), unique=True)
    max_monthly_cost_cents: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
