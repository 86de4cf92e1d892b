"""A copy's restic driver, and the lease that serialises Socle's work on a repository.

The driver is given resolved secrets: a job reads a copy's :class:`CopyAccess` (where
restic runs, the references of the repository's password and S3 keys) in its database
session, and :meth:`CopyAccess.open` resolves them in the hosting plane's secrets when
the copy's work starts. A reference that cannot be resolved fails that copy as a
:class:`ResticError` ``denied`` naming the reference, never a value.

restic's own locks are per process and go stale when a process dies; Socle serialises
its jobs per repository with a database lease first (``lease_owner``, taken over when
expired), so retention never runs under a backup of the same copy, and handles the
stale restic locks left by dead processes before each operation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import or_, update

from controlplane.db import Database, Scope, utcnow
from controlplane.errors import SocleError
from controlplane.secrets import SecretError
from hosting.backup.models import BackupPolicy, BackupRepository
from hosting.drivers.restic import RepositoryAccess, Restic
from hosting.drivers.restic_executors import Executor, LocalExecutor, SshExecutor
from hosting.drivers.restic_records import Reason, ResticError
from hosting.providers.connections import DEFAULT_REGION
from hosting.secrets import SECRETS
from hosting.secrets import resolve as provider_keys

LEASE_SECONDS = 6 * 3600.0
LEASE_WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.5


def executor_for(policy: BackupPolicy, data_dir: Path) -> Executor:
    """Where the policy's restic runs (the SSH key resolved now, never kept)."""
    spec = policy.executor or {"kind": "local"}
    if spec.get("kind") != "ssh":
        return LocalExecutor()
    try:
        key = SECRETS.resolve(spec["key_ref"], data_dir)
    except SecretError as exc:
        raise ResticError(str(exc), reason=Reason.DENIED) from None
    return SshExecutor(host=spec["host"], port=int(spec.get("port", 22)), user=spec["user"],
                       private_key=key, host_key=spec["host_key"])


def scratch_root(policy: BackupPolicy, data_dir: Path) -> str:
    """Where restore tests restore to, on the executor's host."""
    if (policy.executor or {}).get("kind") == "ssh":
        return "/var/tmp/socle-restore"  # noqa: S108  (on the establishment's host)
    return str(data_dir / "scratch")


def password_of(reference: str, data_dir: Path) -> str:
    """The restic password ``reference`` names (a hosting secret); :class:`ResticError`
    (denied) naming the reference if it cannot be resolved."""
    try:
        return SECRETS.resolve(reference, data_dir)
    except SecretError as exc:
        raise ResticError(str(exc), reason=Reason.DENIED) from None


def _s3_keys(reference: str | None, data_dir: Path) -> tuple[str | None, str | None]:
    """The S3 access and secret keys ``reference`` names (none without a reference)."""
    if not reference:
        return None, None
    try:
        keys = provider_keys(reference, data_dir=data_dir)
    except SocleError as exc:
        raise ResticError(str(exc), reason=Reason.DENIED) from None
    return keys.access_key, keys.secret_key


@dataclass(frozen=True)
class CopyAccess:
    """One copy as a job reads it from the database: where restic runs and the
    references of the repository's secrets, resolved only by :meth:`open`."""

    url: str
    password_ref: str
    credential_ref: str | None
    region: str
    data_dir: Path
    executor: Executor
    cache_dir: str | None
    timeout: float

    def open(self) -> Restic:
        """The copy's driver, its secrets resolved now (the password file as it is now);
        :class:`ResticError` (denied) if a reference cannot be resolved."""
        password = password_of(self.password_ref, self.data_dir)
        access_key, secret_key = _s3_keys(self.credential_ref, self.data_dir)
        access = RepositoryAccess(url=self.url, password=password, access_key=access_key,
                                  secret_key=secret_key, region=self.region)
        return Restic(access, self.executor, cache_dir=self.cache_dir, timeout=self.timeout)


def copy_access(
    policy: BackupPolicy, repository: BackupRepository, data_dir: Path, *, timeout: float
) -> CopyAccess:
    """How to open one copy's driver (the SSH key resolved now, the repository's secrets
    when it is opened)."""
    local = (policy.executor or {}).get("kind") != "ssh"
    return CopyAccess(
        url=repository.url,
        password_ref=policy.password_ref,
        credential_ref=repository.provider.credential_ref,
        region=repository.provider.s3_region or DEFAULT_REGION,
        data_dir=data_dir,
        executor=executor_for(policy, data_dir),
        cache_dir=str(data_dir / "restic-cache") if local else None,
        timeout=timeout,
    )


@dataclass(frozen=True)
class LockReport:
    """restic locks found before an operation and how many were stale and removed."""

    found: int
    removed: int
    oldest_age_seconds: float

    def as_dict(self) -> dict[str, float | int]:
        """For a run's details."""
        return {"locks_found": self.found, "stale_locks_removed": self.removed,
                "oldest_lock_age_seconds": round(self.oldest_age_seconds, 1)}


T = TypeVar("T")


def retry_after_stale_locks(restic: Restic, action: Callable[[], T]) -> tuple[T, LockReport]:
    """Run ``action``; if the repository is locked, remove the stale locks and retry once.

    The common case costs no extra restic command; a repository still locked by a live
    process fails as ``locked`` (reported, never skipped)."""
    try:
        return action(), LockReport(0, 0, 0.0)
    except ResticError as exc:
        if exc.reason is not Reason.LOCKED:
            raise
        report = clear_stale_locks(restic)
        if not report.removed:
            raise
    return action(), report


def clear_stale_locks(restic: Restic) -> LockReport:
    """Detect the repository's locks and remove the stale ones (restic's rule: holder dead
    on its host, or not refreshed for 30 minutes). Live locks are left to make the
    operation fail as ``locked``."""
    locks = restic.locks()
    if not locks:
        return LockReport(0, 0, 0.0)
    restic.unlock()
    left = restic.locks()
    return LockReport(len(locks), len(locks) - len(left), max(lock.age_seconds for lock in locks))


class LeaseBusy(ResticError):
    """Another Socle job holds the repository past the wait."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=Reason.LOCKED)


@contextmanager
def lease(
    database: Database, repository_id: int, owner: str, *, wait: float | None = None
) -> Iterator[None]:
    """Hold the repository's lease for the block (the same owner may take it again, so a
    resumed job continues); :class:`LeaseBusy` if another holds it after ``wait``."""
    deadline = time.monotonic() + (LEASE_WAIT_SECONDS if wait is None else wait)
    while not _take(database, repository_id, owner):
        if time.monotonic() >= deadline:
            raise LeaseBusy(f"repository {repository_id} is busy with another Socle job")
        time.sleep(_POLL_SECONDS)
    try:
        yield
    finally:
        with database.transaction(scope=Scope.unrestricted()) as db:
            db.execute(
                update(BackupRepository)
                .where(BackupRepository.id == repository_id,
                       BackupRepository.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )


def _take(database: Database, repository_id: int, owner: str) -> bool:
    now = utcnow()
    with database.transaction(scope=Scope.unrestricted()) as db:
        taken = db.execute(
            update(BackupRepository)
            .where(
                BackupRepository.id == repository_id,
                or_(BackupRepository.lease_owner.is_(None),
                    BackupRepository.lease_owner == owner,
                    BackupRepository.lease_expires_at < now),
            )
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS))
        ).rowcount
    return taken == 1
