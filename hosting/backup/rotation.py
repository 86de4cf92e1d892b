"""Rotating a tenant's restic password across every repository of its backups.

The job ``hosting.backup-key-rotate`` runs five idempotent steps, ordered so that at
every moment (a crash included) the password file in place opens every repository:

1. ``prepare``: generate the next password into ``.password.next`` (0600), unless one
   is pending already;
2. ``add-keys``: per initialised repository, under its lease, ``restic key add`` with
   the next password (through a 0600 file on the executor's host) unless it already
   opens the repository, then check that it does (``restic cat config``);
3. ``switch``: holding every repository's lease (no backup can initialise one
   meanwhile), check again that the next password opens each, keep the current file as
   ``.password.previous`` and rename the next one over it (atomic);
4. ``remove-old-keys``: per repository, find the key the previous password opens
   (``restic key list --json``, the ``current`` one) and remove it with the new
   password (restic refuses to remove the key its password opened), then check the
   previous password is refused;
5. ``finish``: delete ``.password.previous``; audited.

A resumed job repeats only what is not done: a key the next password already opens is
not added again, an old key already gone is not looked for. No password is ever put on
a command line, in a log line or in a job result. The password files are read when a
repository's driver is opened, under its lease: a step always sees the files as the
previous steps left them.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import audit, jobs, tenants
from controlplane.models import Job
from controlplane.settings import get_settings
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.backup import keys
from hosting.backup.models import BackupPolicy
from hosting.backup.repositories import (
    CopyAccess,
    copy_access,
    lease,
    password_of,
    retry_after_stale_locks,
)
from hosting.drivers.restic import wrong_password
from hosting.drivers.restic_records import ResticError

ROTATION_JOB = "hosting.backup-key-rotate"
RESTIC_TIMEOUT = 600.0


class RotationFailed(RuntimeError):
    """A repository did not end up as the rotation needs (the message names it)."""


@dataclass(frozen=True)
class Target:
    """One repository of the tenant, and how to open its driver with the password file."""

    repository_id: int
    label: str
    initialised: bool
    copy: CopyAccess


def _finess(ctx: jobs.StepContext) -> str:
    return str(ctx.params["finess"])


def _repositories(ctx: jobs.StepContext, data_dir: Path) -> list[Target]:
    """Every repository of the tenant's policies using the tenant's password file."""
    finess, reference = _finess(ctx), keys.reference_for(_finess(ctx))
    with ctx.read() as db:
        policies = db.scalars(select(BackupPolicy)
                              .where(of_tenant(BackupPolicy.tenant_id, finess))
                              .order_by(BackupPolicy.id))
        found = []
        for policy in policies:
            if policy.password_ref != reference:
                ctx.log(f"subscription {policy.subscription_id}: its password is not the "
                        f"tenant's file, left alone", level="warning")
                continue
            for repository in policy.repositories:
                label = (f"subscription {policy.subscription_id} copy {repository.copy_index} "
                         f"at {repository.provider.name}")
                found.append(Target(repository.id, label, repository.initialised_at is not None,
                                    copy_access(policy, repository, data_dir,
                                                timeout=RESTIC_TIMEOUT)))
    return found


def _ensure_next_key(target: Target, next_ref: str) -> bool:
    """Make the next password open the repository; True if a key was added now."""
    next_password = password_of(next_ref, target.copy.data_dir)
    restic = target.copy.open()
    following = restic.with_password(next_password)
    if following.opens():
        return False
    retry_after_stale_locks(restic, lambda: restic.add_key(next_password))
    if not following.opens():
        raise RotationFailed(f"{target.label}: the new key was added but does not open it")
    return True


def _prepare(ctx: jobs.StepContext) -> Mapping[str, Any]:
    try:
        state = keys.begin_rotation(_finess(ctx), get_settings().data_dir)
    except FileNotFoundError as exc:
        raise RotationFailed(str(exc)) from None
    if state == "switched":
        ctx.log("an interrupted rotation had already switched the password: finishing it "
                "(rotate again for a new password)", level="warning")
    else:
        ctx.log("new password ready (0600), not yet in use")
    return {"state": state}


def _add_keys(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    if not keys.pending(_finess(ctx), data_dir):
        return {"added": 0}
    next_ref = keys.next_reference(_finess(ctx))
    targets = [t for t in _repositories(ctx, data_dir) if t.initialised]
    added = 0
    for position, target in enumerate(targets):
        with lease(ctx.database, target.repository_id, ctx.actor):
            fresh = _ensure_next_key(target, next_ref)
        added += fresh
        ctx.log(f"{target.label}: new key {'added' if fresh else 'already there'}, it opens")
        ctx.progress(position + 1, len(targets))
    return {"repositories": len(targets), "added": added}


def _switch(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir, finess = get_settings().data_dir, _finess(ctx)
    if not keys.pending(finess, data_dir):
        return {"switched": True}
    with ExitStack() as held:
        for target in _repositories(ctx, data_dir):
            held.enter_context(lease(ctx.database, target.repository_id, ctx.actor))
        targets = [t for t in _repositories(ctx, data_dir) if t.initialised]  # under leases
        late = [t.label for t in targets if _ensure_next_key(t, keys.next_reference(finess))]
        for label in late:
            ctx.log(f"{label}: initialised meanwhile, new key added", level="warning")
        keys.switch(finess, data_dir)
    ctx.log(f"password file switched; {len(targets)} repositories open with it")
    return {"switched": True, "repositories": len(targets)}


def _remove_old_keys(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir, finess = get_settings().data_dir, _finess(ctx)
    if not keys.switched_from(finess, data_dir):
        return {"removed": 0}
    previous_ref = keys.previous_reference(finess)
    targets = [t for t in _repositories(ctx, data_dir) if t.initialised]
    removed = 0
    for position, target in enumerate(targets):
        with lease(ctx.database, target.repository_id, ctx.actor):
            driver = target.copy.open()
            old = driver.with_password(password_of(previous_ref, data_dir))
            try:
                (old_id,) = [k.id for k in old.list_keys() if k.current]
            except ResticError as exc:
                if not wrong_password(exc):
                    raise
                ctx.log(f"{target.label}: no key left for the old password")
                continue
            # run with the new password: restic refuses to remove the key it opened with
            retry_after_stale_locks(driver, lambda d=driver, k=old_id: d.remove_key(k))
            if old.opens():
                raise RotationFailed(f"{target.label}: the old password still opens it")
        removed += 1
        ctx.log(f"{target.label}: old key {old_id} removed, the old password is refused")
        ctx.progress(position + 1, len(targets))
    return {"removed": removed}


def _finish(ctx: jobs.StepContext) -> Mapping[str, Any]:
    finess = _finess(ctx)
    keys.end_rotation(finess, get_settings().data_dir)
    results = ctx.results
    summary = {"repositories": int(results.get("add-keys", {}).get("repositories", 0)),
               "keys_added": int(results.get("add-keys", {}).get("added", 0)),
               "old_keys_removed": int(results.get("remove-old-keys", {}).get("removed", 0))}
    with ctx.transaction() as db:
        audit.record(db, actor=ctx.actor,
                     action="hosting.backup-key.rotate", target_type="tenant", target_id=finess,
                     tenant_finess=finess, after=summary)
    ctx.log("rotation done: the previous password is forgotten")
    return summary


STEPS = (
    jobs.Step("prepare", _prepare),
    jobs.Step("add-keys", _add_keys),
    jobs.Step("switch", _switch),
    jobs.Step("remove-old-keys", _remove_old_keys),
    jobs.Step("finish", _finish),
)


def start_rotation(db: Session, finess: str, *, actor: str) -> Job:
    """Queue the rotation of the tenant's restic password (404 unknown or not visible
    tenant, 409 no backup policy uses it); a rotation already queued or running is
    answered instead of a second one."""
    tenant = tenants.get_by_finess(db, finess)
    reference = keys.reference_for(tenant.finess)
    used = db.scalar(select(BackupPolicy.id).where(BackupPolicy.tenant_id == tenant.id,
                                                   BackupPolicy.password_ref == reference)
                     .limit(1))
    if used is None:
        raise errors.conflict(errors.WRONG_STATE, "finess",
                              f"{tenant.finess} has no backup policy: no restic password to "
                              "rotate")
    active = db.scalar(select(Job).where(Job.kind == ROTATION_JOB, Job.tenant_id == tenant.id,
                                         Job.state.in_(("queued", "running")))
                       .order_by(Job.id).limit(1))
    if active is not None:
        return active
    return jobs.enqueue(db, kind=ROTATION_JOB, params={"finess": tenant.finess}, actor=actor,
                        tenant_id=tenant.id, tenant_finess=tenant.finess)
