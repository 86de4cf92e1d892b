"""The PRA tables: one plan per backed-up subscription, and its exercises.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import Subscription


class DrPlan(TenantScoped, Base):
    """The disaster-recovery plan (PRA) of one subscription.

    ``secondary_provider_id`` is where the exercise (and a real failover) restores:
    chosen by placement among eligible providers, never the primary. Targets are in
    minutes; ``runbook`` is the ordered list of steps a human follows in a real disaster.
    The data comes back from the subscription's backups (its backup policy); the system
    restarts at the secondary as an ``instance_type`` instance booting ``image_id``.
    ``recovery_host`` (a :class:`~hosting.dr.schemas.RecoveryHostSet`, none until set)
    is the host standing for that instance: exercises restore the copy onto it and
    restart the service there; its SSH key is a secret reference, never the key.
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
    recovery_host: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
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
