"""The hosting plane's tables: providers, the catalogue, requests, subscriptions, quotas.

Providers and offers are regional (no tenant). Requests, subscriptions, their
provisioned resources and quotas belong to an establishment and are
:class:`TenantScoped`, so an establishment's session only ever sees its own.

Each class names its kind (``__kind__``, used in errors and audit records) and its
natural key (``__key__``: what request bodies and the CLI use to refer to it).
Many-to-one relationships load joined, so a listing is one query.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Job, Tenant


class HostingProvider(Base):
    """An HDS-certified provider: its certificate, data location, endpoints and capacity.

    ``credential_ref`` says where the S3/EC2 keys are (a reference of the hosting plane's
    secrets, :data:`hosting.credentials.SECRETS`), never what they are.
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


class DrPlan(TenantScoped, Base):
    """The disaster-recovery plan (PRA) of one subscription.

    ``secondary_provider_id`` is where the exercise (and a real failover) restores:
    chosen by placement among eligible providers, never the primary. Targets are in
    minutes; ``runbook`` is the ordered list of steps a human follows in a real disaster.
    The data comes back from the subscription's backups (its backup policy); the system
    restarts at the secondary as an ``instance_type`` instance booting ``image_id``.
    """

    __tablename__ = "hosting_dr_plans"
    __kind__: ClassVar[str] = "dr-plan"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_subscriptions.id"), unique=True
    )
    primary_provider_id: Mapped[int] = mapped_column(ForeignKey("hosting_providers.id"))
    secondary_provider_id: Mapped[int] = mapped_column(ForeignKey("hosting_providers.id"))
    rto_minutes: Mapped[int] = mapped_column(Integer)
    rpo_minutes: Mapped[int] = mapped_column(Integer)
    instance_type: Mapped[str] = mapped_column(String(32))
    image_id: Mapped[str] = mapped_column(String(64))
    protected_resources: Mapped[list[str]] = mapped_column(JSONType, default=list)
    runbook: Mapped[list[str]] = mapped_column(JSONType, default=list)
    placement: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    subscription: Mapped[Subscription] = relationship(lazy="joined")
    primary_provider: Mapped[HostingProvider] = relationship(
        lazy="joined", foreign_keys=[primary_provider_id]
    )
    secondary_provider: Mapped[HostingProvider] = relationship(
        lazy="joined", foreign_keys=[secondary_provider_id]
    )


class DrExercise(TenantScoped, Base):
    """One PRA exercise: restore on the secondary, start, probe, measure, tear down.

    ``exercise_key`` tags everything the exercise creates at the secondary provider (with
    the tenant's FINESS), so teardown finds it all again, even after a crash.
    ``state``: running → succeeded | failed. Achieved RTO/RPO are in seconds.
    """

    __tablename__ = "hosting_dr_exercises"
    __kind__: ClassVar[str] = "dr-exercise"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("hosting_dr_plans.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    exercise_key: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: uuid.uuid4().hex
    )
    state: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    achieved_rto_seconds: Mapped[float | None] = mapped_column(Float)
    achieved_rpo_seconds: Mapped[float | None] = mapped_column(Float)
    rto_met: Mapped[bool | None] = mapped_column(Boolean)
    rpo_met: Mapped[bool | None] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))

    tenant: Mapped[Tenant] = relationship(lazy="joined")
