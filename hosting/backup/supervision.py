"""RPO supervision: each copy's last good snapshot against the RPO, and alerts.

A copy is *late* when its last good snapshot is older than the policy's RPO, or when it
has none; the scheduler raises a ``late`` alert for it (one open alert per copy and
kind). A failed run raises ``failed``, a failed restore test ``restore-failed``, a failed
integrity check ``check-failed``; the next good run of the copy clears its ``late`` and
``failed`` alerts, its next good restore test ``restore-failed``, its next good check
``check-failed``. Each line also shows the copy's last integrity check.

:func:`statuses` judges *as of* the ``now`` it is given: runs finished after it and alerts
raised after it do not count, and an alert cleared after it was still open then. The
scheduler passes the current time; the SSI evidence collector a past ``?at=``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, lazyload

from controlplane.evidence import latest_per
from hosting.backup.models import (
    BackupAlert,
    BackupCheck,
    BackupPolicy,
    BackupRepository,
    BackupRun,
)
from hosting.backup.schemas import BackupStatusRead, RpoStatus


def raise_alert(db: Session, repository: BackupRepository, kind: str, message: str) -> bool:
    """Open an alert of ``kind`` on the copy unless one is open already; True if raised."""
    open_one = db.scalar(
        select(BackupAlert.id).where(BackupAlert.repository_id == repository.id,
                                     BackupAlert.kind == kind, BackupAlert.cleared_at.is_(None))
    )
    if open_one is not None:
        return False
    db.add(BackupAlert(tenant_id=repository.tenant_id, repository_id=repository.id, kind=kind,
                       message=message[:2000]))
    return True


def clear_alerts(db: Session, repository_id: int, kinds: Sequence[str], now: datetime) -> None:
    """Close the copy's open alerts of ``kinds``."""
    db.execute(
        update(BackupAlert)
        .where(BackupAlert.repository_id == repository_id, BackupAlert.kind.in_(kinds),
               BackupAlert.cleared_at.is_(None))
        .values(cleared_at=now)
    )


def open_alerts_at(now: datetime) -> ColumnElement[bool]:
    """Alerts open at ``now``: raised by then and not yet cleared then."""
    return and_(BackupAlert.raised_at <= now,
                or_(BackupAlert.cleared_at.is_(None), BackupAlert.cleared_at > now))


def statuses(
    db: Session, repositories: Sequence[BackupRepository], now: datetime
) -> list[BackupStatusRead]:
    """The supervision line of each copy as of ``now``: its last good snapshot, last run
    and last integrity check finished by then, its age against the RPO, the alerts open
    then (five queries, whatever the number of copies; the latest rows are picked in the
    database)."""
    ids = [r.id for r in repositories]
    finished = (BackupRun.repository_id.in_(ids), BackupRun.kind == "backup",
                BackupRun.finished_at <= now)
    newest_first = (BackupRun.finished_at.desc(), BackupRun.id.desc())
    good = {run.repository_id: run for run in db.scalars(
        latest_per(BackupRun, BackupRun.repository_id, newest_first,
                   *finished, BackupRun.state == "succeeded")
        .options(lazyload(BackupRun.repository)))}
    last = {run.repository_id: run for run in db.scalars(
        latest_per(BackupRun, BackupRun.repository_id, newest_first, *finished)
        .options(lazyload(BackupRun.repository)))}
    checks = {check.repository_id: check for check in db.scalars(
        latest_per(BackupCheck, BackupCheck.repository_id,
                   (BackupCheck.finished_at.desc(), BackupCheck.id.desc()),
                   BackupCheck.repository_id.in_(ids), BackupCheck.finished_at <= now)
        .options(lazyload(BackupCheck.repository)))}
    alerts = {
        repository_id: count
        for repository_id, count in db.execute(
            select(BackupAlert.repository_id, func.count())
            .where(BackupAlert.repository_id.in_(ids), open_alerts_at(now))
            .group_by(BackupAlert.repository_id)
        )
    }
    policies = {p.id: p for p in db.scalars(
        select(BackupPolicy).where(BackupPolicy.id.in_({r.policy_id for r in repositories})))}
    lines = []
    for repository in repositories:
        policy = policies[repository.policy_id]
        snapshot = good.get(repository.id)
        age = (now - snapshot.finished_at).total_seconds() / 3600 if snapshot else None
        late = age is None or age > policy.rpo_hours
        run, check = last.get(repository.id), checks.get(repository.id)
        lines.append(BackupStatusRead(
            repository_id=repository.id, subscription_id=policy.subscription_id,
            tenant=policy.tenant.finess, copy_index=repository.copy_index,
            provider=repository.provider.name, immutable=repository.immutable,
            rpo_hours=policy.rpo_hours, last_snapshot_id=snapshot.snapshot_id if snapshot else None,
            last_good_at=snapshot.finished_at if snapshot else None,
            age_hours=round(age, 3) if age is not None else None,
            rpo_status=RpoStatus.LATE if late else RpoStatus.OK,
            last_run_state=run.state if run else None, last_run_reason=run.reason if run else None,
            last_check_at=check.finished_at if check else None,
            last_check_percent=check.subset_percent if check else None,
            last_check_group=check.subset_group if check else None,
            last_check_state=check.state if check else None,
            last_check_reason=check.reason if check else None,
            last_check_error=check.error if check else None,
            last_check_damaged_packs=list(check.damaged_packs) if check else [],
            open_alerts=int(alerts.get(repository.id, 0)),
        ))
    return lines


def check_rpo(db: Session, now: datetime) -> list[int]:
    """Raise a ``late`` alert on every enabled copy past its RPO; the copies alerted now."""
    repositories = list(db.scalars(
        select(BackupRepository).join(BackupPolicy).where(BackupPolicy.enabled.is_(True))))
    raised = []
    for line, repository in zip(statuses(db, repositories, now), repositories, strict=True):
        if line.rpo_status is RpoStatus.LATE:
            age = f"{line.age_hours:.1f} h" if line.age_hours is not None else "never"
            message = (f"copy {line.copy_index} at {line.provider}: last good snapshot {age} "
                       f"ago, RPO {line.rpo_hours} h")
            if raise_alert(db, repository, "late", message):
                raised.append(repository.id)
    return raised
