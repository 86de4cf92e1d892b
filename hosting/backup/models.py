"""The backup tables: policies, repositories (one per copy), runs, restore tests, checks,
alerts.

All belong to an establishment (:class:`TenantScoped`). A policy is one subscription's
backup tier made concrete (what to back up, where restic runs, how often, how long to
keep, the RPO); each of the subscription's buckets holds one restic repository, the
immutable copy's bucket being under S3 Object Lock. Runs, restore tests and integrity
checks are the evidence; alerts are raised when a copy is late or a run, restore test or
check fails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, JSONType, TenantScoped, UTCDateTime, utcnow
from controlplane.models import Tenant
from hosting.providers.models import HostingProvider


class BackupPolicy(TenantScoped, Base):
    """How one subscription is backed up.

    ``executor`` says where restic runs: ``{"kind": "local"}`` or ``{"kind": "ssh",
    "host", "port", "user", "key_ref", "host_key"}`` (the private key by reference).
    ``password_ref`` names the tenant's restic password (one per tenant, ``file:``).
    """

    __tablename__ = "hosting_backup_policies"
    __kind__: ClassVar[str] = "backup-policy"
    __key__: ClassVar[str] = "subscription_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_subscriptions.id", ondelete="CASCADE"), unique=True
    )
    source_path: Mapped[str] = mapped_column(String(500))
    executor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    password_ref: Mapped[str] = mapped_column(String(200))
    frequency_hours: Mapped[int] = mapped_column(Integer)
    retention_days: Mapped[int] = mapped_column(Integer)
    rpo_hours: Mapped[int] = mapped_column(Integer)
    restore_test_days: Mapped[int] = mapped_column(Integer, default=7)
    immutable: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")
    repositories: Mapped[list[BackupRepository]] = relationship(
        lazy="selectin", order_by="BackupRepository.copy_index", cascade="all, delete-orphan"
    )


class BackupRepository(TenantScoped, Base):
    """One copy: a restic repository in one bucket of the subscription, at one provider.

    ``lease_owner``/``lease_expires_at`` serialise Socle's work on the repository
    (backup, retention, restore): one job at a time, taken over when expired.
    """

    __tablename__ = "hosting_backup_repositories"
    __kind__: ClassVar[str] = "backup-repository"
    __key__: ClassVar[str] = "id"
    __table_args__ = (UniqueConstraint("policy_id", "copy_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_backup_policies.id", ondelete="CASCADE"), index=True
    )
    copy_index: Mapped[int] = mapped_column(Integer)
    resource_id: Mapped[int] = mapped_column(ForeignKey("hosting_resources.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("hosting_providers.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    immutable: Mapped[bool] = mapped_column(Boolean, default=False)
    initialised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[HostingProvider] = relationship(lazy="joined")


class BackupRun(TenantScoped, Base):
    """One backup of one copy: its snapshot and the checksums taken at backup time,
    or why it failed (``reason``: locked, unreachable, full, missing, denied...)."""

    __tablename__ = "hosting_backup_runs"
    __kind__: ClassVar[str] = "backup-run"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_backup_repositories.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="backup")  # backup | retention
    state: Mapped[str] = mapped_column(String(16), index=True)  # succeeded | failed
    reason: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    snapshot_id: Mapped[str | None] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    checksums: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    repository: Mapped[BackupRepository] = relationship(lazy="joined")


class RestoreTest(TenantScoped, Base):
    """A restore of one snapshot into a scratch area, checked against its backup run's
    checksums; ``rto_seconds`` is how long the restore and the check took."""

    __tablename__ = "hosting_restore_tests"
    __kind__: ClassVar[str] = "restore-test"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_backup_repositories.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("hosting_backup_runs.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)  # succeeded | failed
    reason: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    files_checked: Mapped[int] = mapped_column(Integer, default=0)
    mismatches: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rto_seconds: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    repository: Mapped[BackupRepository] = relationship(lazy="joined")


class BackupCheck(TenantScoped, Base):
    """One integrity check of one copy: ``restic check`` reading group ``subset_group``
    (``n/t``) of its data packs, ``subset_percent`` = 100/t % of them (its structure
    checked whole; NULL group: a share drawn at random, before groups rotated).
    ``succeeded`` only when restic ran and reported no error; otherwise ``failed`` with
    the ``reason`` (``corrupt``: restic found damage, ``damaged_packs`` the packs it named;
    ``unreachable``, ``locked``...: it could not check)."""

    __tablename__ = "hosting_backup_checks"
    __kind__: ClassVar[str] = "backup-check"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_backup_repositories.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    subset_percent: Mapped[float] = mapped_column(Float)
    subset_group: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)  # succeeded | failed
    reason: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    damaged_packs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    repository: Mapped[BackupRepository] = relationship(lazy="joined")


class BackupAlert(TenantScoped, Base):
    """Something about a copy needs a human: ``late`` (RPO exceeded), ``failed`` (a run
    failed), ``restore-failed``, ``check-failed`` (an integrity check found damage or
    could not run). Open until ``cleared_at``: the next good run clears ``late`` and
    ``failed``, the next good restore test of the copy ``restore-failed``, the next good
    check ``check-failed``."""

    __tablename__ = "hosting_backup_alerts"
    __kind__: ClassVar[str] = "backup-alert"
    __key__: ClassVar[str] = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("hosting_backup_repositories.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    repository: Mapped[BackupRepository] = relationship(lazy="joined")
