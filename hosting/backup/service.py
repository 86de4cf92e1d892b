"""What the API and the CLI call: start backups, restore tests and integrity checks, list
supervision, runs, restore tests, checks and alerts. Every query goes through the
caller's (tenant-scoped) session, so an establishment only sees and starts its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.models import Job
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.backup import flows, supervision
from hosting.backup.models import (
    BackupAlert,
    BackupCheck,
    BackupPolicy,
    BackupRepository,
    BackupRun,
    RestoreTest,
)
from hosting.backup.policies import policy_of
from hosting.backup.schemas import BackupStatusRead, CheckStart, RestoreTestStart


def start_backup(db: Session, subscription_id: int, *, actor: str) -> Job:
    """Queue a backup of the subscription's source to every copy."""
    return flows.enqueue(db, flows.BACKUP_JOB, policy_of(db, subscription_id), actor=actor)


def start_retention(db: Session, subscription_id: int, *, actor: str) -> Job:
    """Queue the subscription's retention (``forget --prune`` on every copy)."""
    return flows.enqueue(db, flows.RETENTION_JOB, policy_of(db, subscription_id), actor=actor)


def start_restore_test(
    db: Session, subscription_id: int, body: RestoreTestStart, *, actor: str
) -> Job:
    """Queue a restore test of the chosen (or latest) recorded snapshot of one copy."""
    policy = policy_of(db, subscription_id)
    repository = next((r for r in policy.repositories if r.copy_index == body.copy_index), None)
    if repository is None:
        raise errors.not_found("backup-repository", f"copy {body.copy_index}")
    query = select(BackupRun.id).where(BackupRun.repository_id == repository.id,
                                       BackupRun.kind == "backup",
                                       BackupRun.state == "succeeded")
    if body.snapshot_id:
        query = query.where(BackupRun.snapshot_id.startswith(body.snapshot_id))
    if db.scalar(query.limit(1)) is None:
        what = f"snapshot {body.snapshot_id}" if body.snapshot_id else "any snapshot"
        raise errors.unknown_snapshot(
            "snapshot_id", f"copy {body.copy_index} has no recorded good backup of {what}")
    return flows.enqueue(db, flows.RESTORE_TEST_JOB, policy, actor=actor,
                        copy_index=body.copy_index, snapshot_id=body.snapshot_id)


def start_check(db: Session, subscription_id: int, body: CheckStart, *, actor: str) -> Job:
    """Queue an integrity check of every copy (``restic check``, reading the share of
    data asked for, by default ``SOCLE_HOSTING_BACKUP_CHECK_PERCENT``)."""
    percent = body.subset_percent or flows.check_percent()
    return flows.enqueue(db, flows.CHECK_JOB, policy_of(db, subscription_id), actor=actor,
                         subset_percent=percent)


def _by_tenant(stmt: Select[Any], column: Any, tenant: str | None) -> Select[Any]:
    if not tenant:
        return stmt
    return stmt.where(of_tenant(column, tenant))


def repository_query(*, tenant: str | None = None) -> Select[tuple[BackupRepository]]:
    """Copies, by policy and copy index."""
    stmt = select(BackupRepository).order_by(BackupRepository.policy_id,
                                             BackupRepository.copy_index)
    return _by_tenant(stmt, BackupRepository.tenant_id, tenant)


def status_of(
    db: Session, repositories: list[BackupRepository], now: datetime
) -> list[BackupStatusRead]:
    """Supervision lines of ``repositories``."""
    return supervision.statuses(db, repositories, now)


def run_query(*, subscription_id: int | None = None,
              tenant: str | None = None) -> Select[tuple[BackupRun]]:
    """Backup and retention runs, newest first."""
    stmt = select(BackupRun).order_by(BackupRun.id.desc())
    if subscription_id is not None:
        stmt = stmt.where(BackupRun.repository_id.in_(
            select(BackupRepository.id).join(BackupPolicy)
            .where(BackupPolicy.subscription_id == subscription_id)))
    return _by_tenant(stmt, BackupRun.tenant_id, tenant)


def restore_test_query(*, tenant: str | None = None) -> Select[tuple[RestoreTest]]:
    """Restore tests, newest first."""
    return _by_tenant(select(RestoreTest).order_by(RestoreTest.id.desc()),
                      RestoreTest.tenant_id, tenant)


def check_query(*, tenant: str | None = None) -> Select[tuple[BackupCheck]]:
    """Integrity checks, newest first."""
    return _by_tenant(select(BackupCheck).order_by(BackupCheck.id.desc()),
                      BackupCheck.tenant_id, tenant)


def alert_query(*, open_only: bool = True,
                tenant: str | None = None) -> Select[tuple[BackupAlert]]:
    """Backup alerts, newest first (open ones only by default)."""
    stmt = select(BackupAlert).order_by(BackupAlert.id.desc())
    if open_only:
        stmt = stmt.where(BackupAlert.cleared_at.is_(None))
    return _by_tenant(stmt, BackupAlert.tenant_id, tenant)

