"""Periodic work of the network plane, as jobs the scheduler queues.

``network.backup-configs``: fetch every CE router's running configuration (in parallel,
bounded by ``SOCLE_NETWORK_APPLY_CONCURRENCY``) and keep it as a versioned, masked
backup. Routers that cannot be read are named in the job's log and error; the others
are backed up all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.models import Job
from network.config import backups, intent
from network.config.reconcile import device_config
from network.config.router_ops import RouterError, Target
from network.inventory.models import Device
from network.inventory.schemas import DeviceRole

BACKUP_JOB = "network.backup-configs"


def enqueue_backups(db: Session, *, actor: str = "scheduler") -> Job:
    """Queue a backup of every CE router's configuration (what the scheduler calls)."""
    return jobs.enqueue(db, kind=BACKUP_JOB, params={}, actor=actor)


class BackupFailed(RuntimeError):
    """Some routers could not be backed up; the message names each."""


def _fetch_all(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.read() as db:
        devices = db.scalars(select(Device).where(Device.role == DeviceRole.CE.value))
        targets = [
            (Target(intent.endpoint(d), d.credential_ref), d.id, d.tenant_id) for d in devices
        ]
    ops = device_config.ops()
    failed: list[str] = []
    versions = 0

    def fetch(target: Target, device_id: int, tenant_id: int | None) -> bool:
        content = ops.read(target)
        with ctx.transaction() as db:
            kept = backups.store(db, device_id=device_id, tenant_id=tenant_id, content=content,
                                 source=backups.Source.SCHEDULED, job_id=ctx.job_id)
            return kept.job_id == ctx.job_id

    with ThreadPoolExecutor(max_workers=device_config.concurrency) as pool:
        futures = {pool.submit(fetch, *t): t[0].name for t in targets}
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                versions += future.result()
            except RouterError as exc:
                failed.append(exc.describe())
                ctx.log(exc.describe(), level="error")
            ctx.progress(done, len(futures))
    if failed:
        raise BackupFailed(f"{len(failed)} of {len(targets)} router(s) not backed up: "
                           + "; ".join(sorted(failed)))
    ctx.log(f"{len(targets)} router(s) backed up, {versions} new version(s)")
    return {"routers": len(targets), "new_versions": versions}


jobs.register(
    jobs.JobKind(
        name=BACKUP_JOB,
        steps=[jobs.Step("fetch", _fetch_all)],
        description="Back up every CE router's running configuration (versioned, masked).",
    )
)
