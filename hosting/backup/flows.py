"""The backup jobs: back up, apply retention, test a restore, and the scheduler's tick.

- ``hosting.backup`` backs up the policy's source to every copy: SHA-256 of each file
  first (kept on each copy's run: what a restore test checks against), then, per copy
  under its lease, stale restic locks handled and ``restic backup``. A copy that fails
  (locked, unreachable, full...) gets a failed run and an alert, the other copies are
  still backed up, and the job fails naming each: never silently skipped.
- ``hosting.backup-retention`` runs ``forget --prune`` per copy under the same lease.
- ``hosting.restore-test`` restores a recorded snapshot into a scratch area (without
  restic's cache: everything is read from the provider), checks every file against the
  checksums recorded at backup time, measures the RTO and records the result.
- ``hosting.backup-check`` checks every copy's integrity with ``restic check``, reading
  the next group of its data packs in turn (``SOCLE_HOSTING_BACKUP_CHECK_PERCENT`` sets
  the groups' size, fixed when queued; a failed group is read again until it passes);
  a copy found damaged, or that could not be checked, gets a failed check and a
  ``check-failed`` alert, and the job fails naming it and the packs restic named.
- ``hosting.backup-schedule`` queues what is due and raises ``late`` alerts (RPO).
- ``hosting.backup-key-rotate`` rotates a tenant's restic password on every repository
  (steps in :mod:`hosting.backup.rotation`).

Runs, restore tests and alerts are written in their own transactions as they happen,
so a job that dies half way leaves a record of what it did; a resumed job re-runs only
the copies without a succeeded run for this job.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.db import utcnow
from controlplane.models import Job
from controlplane.settings import get_settings
from hosting.backup import rotation, sources, supervision
from hosting.backup.models import (
    BackupCheck,
    BackupPolicy,
    BackupRepository,
    BackupRun,
    RestoreTest,
)
from hosting.backup.repositories import (
    CopyAccess,
    LockReport,
    copy_access,
    lease,
    retry_after_stale_locks,
    scratch_root,
)
from hosting.drivers.restic import Restic, checksums_on
from hosting.drivers.restic_records import Reason, ResticError, RetentionRule

BACKUP_JOB = "hosting.backup"
RETENTION_JOB = "hosting.backup-retention"
RESTORE_TEST_JOB = "hosting.restore-test"
SCHEDULE_JOB = "hosting.backup-schedule"
CHECK_JOB = "hosting.backup-check"
RESTIC_TIMEOUT = 6 * 3600.0
RETENTION_EVERY = timedelta(days=1)


class CopiesFailed(RuntimeError):
    """Some copies could not be backed up (or pruned, or restored); the message names each."""


def _policy(db: Session, ctx: jobs.StepContext) -> BackupPolicy:
    policy = db.scalar(select(BackupPolicy).where(
        BackupPolicy.subscription_id == int(ctx.params["subscription_id"])))
    if policy is None:
        raise RuntimeError(f"subscription {ctx.params['subscription_id']} has no backup policy")
    return policy


def _record_failure(ctx: jobs.StepContext, repository_id: int, kind: str, exc: ResticError,
                    details: dict[str, Any], started: datetime) -> str:
    """A failed run of one copy, and its alert; the message for the job's error."""
    with ctx.transaction() as db:
        repository = db.get_one(BackupRepository, repository_id)
        db.add(BackupRun(tenant_id=repository.tenant_id, repository_id=repository_id,
                         job_id=ctx.job_id, kind=kind, state="failed", reason=exc.reason.value,
                         error=str(exc)[:4000], details=details, started_at=started,
                         finished_at=utcnow()))
        message = f"copy {repository.copy_index} at {repository.provider.name}: " \
                  f"{kind} {exc.reason.value}: {exc}"
        supervision.raise_alert(db, repository, "failed", message)
    ctx.log(message[:500], level="error")
    return f"copy {repository.copy_index} ({exc.reason.value})"


def _done_copies(db: Session, job_id: int, kind: str) -> set[int]:
    return set(db.scalars(select(BackupRun.repository_id).where(
        BackupRun.job_id == job_id, BackupRun.kind == kind, BackupRun.state == "succeeded")))


# -- backup ---------------------------------------------------------------------------


def _initialise(restic: Restic, ctx: jobs.StepContext, repository_id: int) -> None:
    """Initialise the repository the first time Socle uses it (idempotent)."""
    with ctx.read() as db:
        if db.get_one(BackupRepository, repository_id).initialised_at is not None:
            return
    created = restic.init()
    with ctx.transaction() as db:
        db.get_one(BackupRepository, repository_id).initialised_at = utcnow()
    ctx.log(f"repository {restic.access.url} {'created' if created else 'found'}")


def _log_locks(ctx: jobs.StepContext, restic: Restic, report: LockReport) -> dict[str, Any]:
    if report.found:
        ctx.log(f"{restic.access.url}: locked; {report.found} restic lock(s), oldest "
                f"{report.oldest_age_seconds:.0f} s, {report.removed} stale removed, retried",
                level="warning")
    return report.as_dict()


def _backup(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    with ctx.read() as db:
        policy = _policy(db, ctx)
        done = _done_copies(db, ctx.job_id, "backup")
        copies = [(r.id, r.copy_index, copy_access(policy, r, data_dir, timeout=RESTIC_TIMEOUT))
                  for r in policy.repositories if r.id not in done]
        source, tags = policy.source_path, [f"subscription-{policy.subscription_id}"]
        host = f"socle-{policy.tenant.finess.lower()}"
    if not copies:
        return {"copies": 0}
    failures, snapshots = [], {}
    started = utcnow()
    try:
        sources.check_on_host(copies[0][2].executor, source, timeout=RESTIC_TIMEOUT)
        checksums = checksums_on(copies[0][2].executor, source, timeout=RESTIC_TIMEOUT)
    except ResticError as exc:  # the source cannot be read: every copy is late, say so
        failures = [_record_failure(ctx, r, "backup", exc, {}, started) for r, _, _ in copies]
        raise CopiesFailed("backup failed for " + ", ".join(failures)) from None
    ctx.log(f"{len(checksums)} files checksummed under {source}")
    for position, (repository_id, copy_index, copy) in enumerate(copies):
        started, details = utcnow(), {}
        try:
            with lease(ctx.database, repository_id, ctx.actor):
                restic = copy.open()
                _initialise(restic, ctx, repository_id)
                summary, report = retry_after_stale_locks(restic, lambda r=restic, p=position: (
                    r.backup([source], tags=tags, host=host,
                             on_progress=lambda f: ctx.progress(p + f, len(copies)))))
                details = _log_locks(ctx, restic, report)
        except ResticError as exc:
            failures.append(_record_failure(ctx, repository_id, "backup", exc, details, started))
            continue
        details |= {"data_added": summary.data_added, "duration_seconds": summary.duration_seconds,
                    "incomplete": summary.incomplete}
        with ctx.transaction() as db:
            repository = db.get_one(BackupRepository, repository_id)
            db.add(BackupRun(tenant_id=repository.tenant_id, repository_id=repository_id,
                             job_id=ctx.job_id, kind="backup", state="succeeded",
                             snapshot_id=summary.snapshot_id, files=summary.files,
                             bytes=summary.bytes, checksums=checksums, details=details,
                             started_at=started, finished_at=utcnow()))
            supervision.clear_alerts(db, repository_id, ("late", "failed"), utcnow())
        snapshots[str(copy_index)] = summary.snapshot_id
        ctx.log(f"copy {copy_index}: snapshot {summary.snapshot_id}, {summary.files} files")
        ctx.progress(position + 1, len(copies))
    if failures:
        raise CopiesFailed("backup failed for " + ", ".join(failures))
    return {"snapshots": snapshots, "files": len(checksums)}


# -- retention ------------------------------------------------------------------------


def retention_rule(policy: BackupPolicy) -> RetentionRule:
    """Keep every snapshot younger than the tier's retention, and always the last one."""
    return RetentionRule(last=1, within=f"{policy.retention_days}d")


def _retention(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    with ctx.read() as db:
        policy = _policy(db, ctx)
        done = _done_copies(db, ctx.job_id, "retention")
        rule = retention_rule(policy)
        copies = [(r.id, r.copy_index, copy_access(policy, r, data_dir, timeout=RESTIC_TIMEOUT))
                  for r in policy.repositories
                  if r.id not in done and r.initialised_at is not None]
        tags = [f"subscription-{policy.subscription_id}"]
    failures, removed = [], {}
    for position, (repository_id, copy_index, copy) in enumerate(copies):
        started, details = utcnow(), {}
        try:
            with lease(ctx.database, repository_id, ctx.actor):
                restic = copy.open()
                result, report = retry_after_stale_locks(
                    restic, lambda r=restic: r.forget(rule, prune=True, tags=tags))
                details = _log_locks(ctx, restic, report)
        except ResticError as exc:
            failures.append(_record_failure(ctx, repository_id, "retention", exc, details,
                                            started))
            continue
        details |= {"kept": len(result.kept), "removed": len(result.removed),
                    "rule": rule.options()}
        with ctx.transaction() as db:
            repository = db.get_one(BackupRepository, repository_id)
            db.add(BackupRun(tenant_id=repository.tenant_id, repository_id=repository_id,
                             job_id=ctx.job_id, kind="retention", state="succeeded",
                             details=details, started_at=started, finished_at=utcnow()))
        removed[str(copy_index)] = len(result.removed)
        ctx.log(f"copy {copy_index}: kept {len(result.kept)}, removed {len(result.removed)}")
        ctx.progress(position + 1, len(copies))
    if failures:
        raise CopiesFailed("retention failed for " + ", ".join(failures))
    return {"removed": removed}


# -- restore test ---------------------------------------------------------------------


def compare(expected: Mapping[str, str], restored: Mapping[str, str]) -> list[str]:
    """Paths whose content differs, is missing or is unexpected (``path: what``)."""
    problems = [f"{path}: missing" for path in sorted(expected.keys() - restored.keys())]
    problems += [f"{path}: unexpected" for path in sorted(restored.keys() - expected.keys())]
    problems += [f"{path}: content differs" for path in sorted(expected.keys() & restored.keys())
                 if expected[path] != restored[path]]
    return problems


def _chosen_run(db: Session, policy: BackupPolicy, ctx: jobs.StepContext) -> BackupRun:
    copy_index = int(ctx.params.get("copy_index", 0))
    repository = next((r for r in policy.repositories if r.copy_index == copy_index), None)
    if repository is None:
        raise RuntimeError(f"the policy has no copy {copy_index}")
    query = select(BackupRun).where(BackupRun.repository_id == repository.id,
                                    BackupRun.kind == "backup", BackupRun.state == "succeeded")
    if ctx.params.get("snapshot_id"):
        query = query.where(BackupRun.snapshot_id.startswith(str(ctx.params["snapshot_id"])))
    run = db.scalar(query.order_by(BackupRun.finished_at.desc()).limit(1))
    if run is None:
        raise RuntimeError(f"copy {copy_index} has no recorded good backup to restore")
    return run


def _remove_scratch(ctx: jobs.StepContext, copy: CopyAccess, scratch: str) -> None:
    """Delete the scratch copy (a failure is logged: the result stands)."""
    try:
        done = copy.executor.run(["rm", "-rf", "--", scratch], env={}, timeout=600)
    except ResticError as exc:
        ctx.log(f"scratch {scratch} not removed: {exc}", level="warning")
        return
    if done.returncode != 0:
        ctx.log(f"scratch {scratch} not removed: {done.stderr.strip()[:300]}", level="warning")


def _restore_test(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    with ctx.read() as db:
        policy = _policy(db, ctx)
        run = _chosen_run(db, policy, ctx)
        copy = copy_access(policy, run.repository, data_dir, timeout=RESTIC_TIMEOUT)
        run_id, repository_id, snapshot_id = run.id, run.repository_id, run.snapshot_id or ""
        tenant_id, expected, source = run.tenant_id, dict(run.checksums), policy.source_path
        scratch = f"{scratch_root(policy, data_dir)}/restore-{ctx.job_id}"
    started, clock = utcnow(), time.monotonic()
    mismatches: list[str] = []
    error: ResticError | None = None
    restored: dict[str, str] = {}
    try:
        with lease(ctx.database, repository_id, ctx.actor):
            restic = copy.open()
            restic.no_cache = True
            root, _ = retry_after_stale_locks(
                restic, lambda: restic.restore(snapshot_id, scratch, path=source))
        restored = restic.checksums(root)
        mismatches = compare(expected, restored)
    except ResticError as exc:
        error = exc
    finally:
        rto = time.monotonic() - clock
        _remove_scratch(ctx, copy, scratch)
    ok = error is None and not mismatches
    with ctx.transaction() as db:
        test = RestoreTest(
            tenant_id=tenant_id, repository_id=repository_id, run_id=run_id, job_id=ctx.job_id,
            snapshot_id=snapshot_id, state="succeeded" if ok else "failed",
            reason=None if ok else (error.reason.value if error else Reason.CORRUPT.value),
            error=str(error)[:4000] if error else None, files_checked=len(restored),
            mismatches=mismatches[:1000], rto_seconds=round(rto, 3), started_at=started,
            finished_at=utcnow())
        db.add(test)
        db.flush()
        test_id = test.id
        if ok:
            supervision.clear_alerts(db, repository_id, ("restore-failed",), utcnow())
        else:
            what = str(error) if error else f"{len(mismatches)} file(s) differ: {mismatches[:3]}"
            supervision.raise_alert(db, db.get_one(BackupRepository, repository_id),
                                    "restore-failed", f"snapshot {snapshot_id}: {what}")
    if not ok:
        raise CopiesFailed(f"restore test {test_id} of snapshot {snapshot_id} failed: "
                           + (str(error) if error else "; ".join(mismatches[:5])))
    ctx.log(f"snapshot {snapshot_id}: {len(restored)} files identical, RTO {rto:.2f} s")
    return {"restore_test_id": test_id, "rto_seconds": round(rto, 3), "files": len(restored)}


# -- integrity check ------------------------------------------------------------------


def check_percent() -> float:
    """Share (%) of a copy's data packs a check reads (``SOCLE_HOSTING_BACKUP_CHECK_PERCENT``)."""
    return get_settings().hosting_backup_check_percent


def pack_groups(percent: float) -> int:
    """How many fixed groups a copy's packs are read in, for checks reading ``percent`` %
    each (5 %: 20 groups, 100 %: one)."""
    return max(1, min(1000, round(100 / percent)))


def _checked_copies(db: Session, job_id: int) -> set[int]:
    return set(db.scalars(select(BackupCheck.repository_id).where(
        BackupCheck.job_id == job_id, BackupCheck.state == "succeeded")))


def _next_groups(db: Session, repository_ids: list[int], groups: int) -> dict[int, int]:
    """The group each copy's next check reads: the one after its last passed check's, in
    turn (so every pack is read within ``groups`` passing checks); a failed group is read
    again until it passes (a check of another group says nothing of the damage found)."""
    passed = dict(db.execute(
        select(BackupCheck.repository_id, func.count())
        .where(BackupCheck.repository_id.in_(repository_ids),
               BackupCheck.state == "succeeded",
               BackupCheck.subset_group.like(f"%/{groups}"))
        .group_by(BackupCheck.repository_id)
    ).all())
    return {r: passed.get(r, 0) % groups + 1 for r in repository_ids}


def _record_check(ctx: jobs.StepContext, repository_id: int, group: tuple[int, int],
                  started: datetime, error: ResticError | None) -> str | None:
    """One copy's check, its alert raised (failed) or cleared (succeeded); for a failed
    one, what the job's error says of the copy."""
    percent = round(100 / group[1], 3)
    read = f"pack group {group[0]}/{group[1]}, {percent:g} % of the data read"
    with ctx.transaction() as db:
        repository = db.get_one(BackupRepository, repository_id)
        db.add(BackupCheck(
            tenant_id=repository.tenant_id, repository_id=repository_id, job_id=ctx.job_id,
            subset_percent=percent, subset_group=f"{group[0]}/{group[1]}",
            state="failed" if error else "succeeded",
            reason=error.reason.value if error else None,
            error=str(error)[:4000] if error else None,
            damaged_packs=list(error.packs) if error else [], started_at=started,
            finished_at=utcnow()))
        copy = f"copy {repository.copy_index}"
        if error is None:
            supervision.clear_alerts(db, repository_id, ("check-failed",), utcnow())
        else:
            packs = f"damaged pack(s) {', '.join(error.packs)}; " if error.packs else ""
            message = (f"{copy} at {repository.provider.name} ({repository.url}): restic "
                       f"check ({read}) {error.reason.value}: {packs}{error}")
            supervision.raise_alert(db, repository, "check-failed", message)
    if error is None:
        ctx.log(f"{copy}: no error ({read})")
        return None
    ctx.log(message[:1000], level="error")
    named = f": pack {', '.join(p[:12] for p in error.packs)}" if error.packs else ""
    return f"{copy} ({error.reason.value}{named})"


def _check(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    groups = pack_groups(float(ctx.params["subset_percent"]))
    with ctx.read() as db:
        policy = _policy(db, ctx)
        done = _checked_copies(db, ctx.job_id)
        copies = [(r.id, copy_access(policy, r, data_dir, timeout=RESTIC_TIMEOUT))
                  for r in policy.repositories
                  if r.id not in done and r.initialised_at is not None]
        turn = _next_groups(db, [r for r, _ in copies], groups)
    failures = []
    for position, (repository_id, copy) in enumerate(copies):
        started, error, group = utcnow(), None, (turn[repository_id], groups)
        try:
            with lease(ctx.database, repository_id, ctx.actor):
                restic = copy.open()
                retry_after_stale_locks(restic, lambda r=restic, g=group: r.check(group=g))
        except ResticError as exc:
            error = exc
        failure = _record_check(ctx, repository_id, group, started, error)
        if failure:
            failures.append(failure)
        ctx.progress(position + 1, len(copies))
    if failures:
        raise CopiesFailed("integrity check failed for " + ", ".join(failures))
    return {"checked": len(copies), "subset_percent": round(100 / groups, 3)}


# -- the scheduler --------------------------------------------------------------------


def _active(db: Session, kind: str) -> set[int]:
    """Subscriptions with a queued or running job of ``kind``."""
    params = db.scalars(select(Job.params).where(Job.kind == kind,
                                                 Job.state.in_(("queued", "running"))))
    return {int(p.get("subscription_id", 0)) for p in params}


def _latest(db: Session, kind: str) -> dict[int, datetime]:
    """Per policy, when its copies last started a run of ``kind`` (any outcome)."""
    rows = db.execute(
        select(BackupRepository.policy_id, func.max(BackupRun.started_at))
        .join(BackupRun, BackupRun.repository_id == BackupRepository.id)
        .where(BackupRun.kind == kind).group_by(BackupRepository.policy_id)
    )
    return {policy_id: when for policy_id, when in rows}


def _latest_started(db: Session, model: type[RestoreTest] | type[BackupCheck],
                    ) -> dict[int, datetime]:
    """Per policy, when its copies last started a restore test or a check."""
    rows = db.execute(
        select(BackupRepository.policy_id, func.max(model.started_at))
        .join(model, model.repository_id == BackupRepository.id)
        .group_by(BackupRepository.policy_id)
    )
    return {policy_id: when for policy_id, when in rows}


def enqueue(db: Session, kind: str, policy: BackupPolicy, *, actor: str,
            **params: Any) -> Job:
    """Queue a backup job of ``kind`` for the policy's subscription."""
    return jobs.enqueue(db, kind=kind, params={"subscription_id": policy.subscription_id,
                                               **params},
                        actor=actor, tenant_id=policy.tenant_id,
                        tenant_finess=policy.tenant.finess)


def tick(db: Session, *, now: datetime, actor: str = "scheduler") -> dict[str, Any]:
    """Queue every due backup, retention, restore test and integrity check; raise
    ``late`` alerts."""
    policies = list(db.scalars(select(BackupPolicy).where(BackupPolicy.enabled.is_(True))
                               .order_by(BackupPolicy.id)))
    last_backup, last_retention = _latest(db, "backup"), _latest(db, "retention")
    last_test, last_check = _latest_started(db, RestoreTest), _latest_started(db, BackupCheck)
    kinds = (BACKUP_JOB, RETENTION_JOB, RESTORE_TEST_JOB, CHECK_JOB)
    busy = {kind: _active(db, kind) for kind in kinds}
    queued: dict[str, list[int]] = {kind: [] for kind in kinds}
    params = {CHECK_JOB: {"subset_percent": check_percent()}}
    check_every = timedelta(days=get_settings().hosting_backup_check_days)
    for policy in policies:
        due = {
            BACKUP_JOB: timedelta(hours=policy.frequency_hours),
            RETENTION_JOB: RETENTION_EVERY,
            RESTORE_TEST_JOB: timedelta(days=policy.restore_test_days),
            CHECK_JOB: check_every,
        }
        last = {
            BACKUP_JOB: last_backup.get(policy.id),
            RETENTION_JOB: last_retention.get(policy.id),
            RESTORE_TEST_JOB: last_test.get(policy.id),
            CHECK_JOB: last_check.get(policy.id),
        }
        for kind, every in due.items():
            if policy.subscription_id in busy[kind]:
                continue
            if kind != BACKUP_JOB and last_backup.get(policy.id) is None:
                continue  # nothing to prune, restore or check yet
            if last[kind] is None or now - last[kind] >= every:
                queued[kind].append(
                    enqueue(db, kind, policy, actor=actor, **params.get(kind, {})).id)
    late = supervision.check_rpo(db, now)
    return {"queued": queued, "late_alerts": late}


def _schedule(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.transaction() as db:
        return tick(db, now=utcnow(), actor=ctx.actor)


for _name, _step, _description in (
    (BACKUP_JOB, _backup, "Back up a subscription's source to every copy (restic)."),
    (RETENTION_JOB, _retention, "Apply a subscription's retention (restic forget --prune)."),
    (RESTORE_TEST_JOB, _restore_test, "Restore a snapshot to scratch and verify its checksums."),
    (CHECK_JOB, _check, "Check every copy's integrity (restic check, a share of data read)."),
    (SCHEDULE_JOB, _schedule,
     "Queue due backups, retention, restore tests and checks; RPO alerts."),
):
    jobs.register(jobs.JobKind(name=_name, steps=(jobs.Step(_name.rpartition(".")[2], _step),),
                               description=_description))

jobs.register(jobs.JobKind(name=rotation.ROTATION_JOB, steps=rotation.STEPS,
                           description="Rotate a tenant's restic password on every repository."))
