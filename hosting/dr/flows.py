"""The PRA exercise job: restore onto the recovery host, start, serve, probe, tear down.

Steps (each idempotent; a retried step finds what an earlier attempt made by the
exercise's tags at the EC2 endpoint and its key on the recovery host):

1. ``restore``: the step's start stands for the disaster. restic, run on the plan's
   recovery host (over SSH, or this machine in the demo), restores the latest good
   snapshot of the copy held at the secondary (or the plan's ``restore_from`` copy) into
   the exercise's folder there, and every file is checked against the checksums
   recorded at backup time. Achieved RPO = the disaster minus the snapshot's backup time.
2. ``start``: the capacity record: an instance (and a volume the size of the restored
   data) at the secondary's EC2 endpoint, tagged with the tenant's FINESS and the
   exercise key; the step waits for ``running``.
3. ``serve``: the subscription's service starts on the recovery host, serving the
   restored data (:mod:`hosting.drivers.recovery`).
4. ``probe``: files fetched from the service over HTTP must have the SHA-256 recorded at
   backup time. Achieved RTO = from the disaster until the service answered with them.
5. ``teardown``: the service stopped, the restored data removed, everything carrying
   the exercise's tags terminated or deleted, and nothing left on either side (also
   what earlier failed exercises of the plan could not remove, now reachable).
6. ``record``: the exercise record gets the measures and whether the targets were met.

When a step fails, ``on_failure`` tears down both sides (best effort, each even if the
other is unreachable) and records the exercise as failed, naming the step and what
failed; what could not be removed is kept in its details and swept by a later exercise.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.db import utcnow
from controlplane.models import Job
from controlplane.rows import snapshot
from controlplane.settings import get_settings
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.backup.flows import compare
from hosting.backup.models import BackupPolicy, BackupRepository, BackupRun
from hosting.backup.repositories import copy_access, lease, retry_after_stale_locks
from hosting.dr import teardown
from hosting.dr.models import DrExercise, DrPlan
from hosting.dr.recovery import host_of
from hosting.dr.schemas import DrExerciseRead
from hosting.drivers import TAG_REQUEST, TAG_RESOURCE, TAG_TENANT, DriverError
from hosting.drivers.dr import DrCompute
from hosting.drivers.recovery import RecoveryHost, Service
from hosting.drivers.restic_records import ResticError
from hosting.errors import store
from hosting.providers import connections
from hosting.providers.models import HostingProvider

EXERCISE_JOB = "hosting.dr-exercise"
TAG_EXERCISE = "socle:dr-exercise"
RESTIC_TIMEOUT = 6 * 3600.0
START_TIMEOUT = 300.0
GB = 1024**3


class ExerciseFailed(RuntimeError):
    """A step found the recovery not working (bad data, service not answering, leftovers)."""


def _exercise(db: Session, ctx: jobs.StepContext) -> tuple[DrExercise, DrPlan]:
    exercise = store.get(db, DrExercise, int(ctx.params["exercise_id"]))
    return exercise, store.get(db, DrPlan, exercise.plan_id)


def tags(exercise: DrExercise) -> dict[str, str]:
    """The tags of everything an exercise creates (its FINESS and its key)."""
    return {
        TAG_TENANT: exercise.tenant.finess,
        TAG_REQUEST: exercise.exercise_key,
        TAG_EXERCISE: str(exercise.id),
    }


def _compute(provider: HostingProvider) -> DrCompute:
    keys = connections.provider_keys(provider)
    return DrCompute(
        endpoint=provider.ec2_endpoint or "",
        region=provider.s3_region or connections.DEFAULT_REGION,
        access_key=keys.access_key,
        secret_key=keys.secret_key,
    )


def _spec(exercise: DrExercise, plan: DrPlan) -> dict[str, Any] | None:
    """The recovery host the exercise pinned when it started (else the plan's)."""
    return exercise.details.get("recovery_host", plan.recovery_host)


def _host(exercise: DrExercise, plan: DrPlan, data_dir: Path) -> RecoveryHost:
    try:
        return host_of(_spec(exercise, plan), data_dir, plan_id=plan.id)
    except DriverError as exc:
        raise ExerciseFailed(str(exc)) from None


def _source_copy(plan: DrPlan, policy: BackupPolicy) -> BackupRepository:
    """The copy held at the secondary, else the plan's ``restore_from`` copy, else copy 0."""
    wanted = (plan.secondary_provider.name, plan.placement.get("restore_from"))
    for name in wanted:
        for repository in policy.repositories:
            if repository.provider.name == name:
                return repository
    return policy.repositories[0]


def _last_good(db: Session, repository: BackupRepository) -> tuple[BackupRun, datetime]:
    """The copy's latest good backup and when it finished."""
    run = db.scalar(
        select(BackupRun)
        .where(
            BackupRun.repository_id == repository.id,
            BackupRun.kind == "backup",
            BackupRun.state == "succeeded",
        )
        .order_by(BackupRun.finished_at.desc())
        .limit(1)
    )
    if run is None or run.finished_at is None:
        raise ExerciseFailed(
            f"the copy at {repository.provider.name} has no recorded good backup to restore"
        )
    return run, run.finished_at


def sample(checksums: Mapping[str, str]) -> list[str]:
    """The files the probe fetches: the first, middle and last by path (fewer if fewer)."""
    paths = sorted(checksums)
    if not paths:
        return []
    return sorted({paths[0], paths[len(paths) // 2], paths[-1]})


def _restore(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        policy = db.scalar(
            select(BackupPolicy).where(BackupPolicy.subscription_id == plan.subscription_id)
        )
        if policy is None or not policy.repositories:
            raise ExerciseFailed(f"subscription {plan.subscription_id} has no backup policy")
        repository = _source_copy(plan, policy)
        run, backed_up_at = _last_good(db, repository)
        host = _host(exercise, plan, data_dir)
        try:
            copy = dataclasses.replace(
                copy_access(policy, repository, data_dir, timeout=RESTIC_TIMEOUT),
                executor=host.executor, cache_dir=None)  # restic runs where the data lands
        except ResticError as exc:
            raise ExerciseFailed(str(exc)) from None
        key, expected, source = exercise.exercise_key, dict(run.checksums), policy.source_path
        began = utcnow()  # the simulated disaster: RPO and RTO are measured from here
        rpo = (began - backed_up_at).total_seconds()
        found = {
            "run_id": run.id,
            "snapshot_id": run.snapshot_id or "",
            "bytes": run.bytes,
            "copy": repository.provider.name,
            "endpoint": repository.provider.s3_endpoint or "",
            "repository_id": repository.id,
            "recovery_host": host.where,
        }
    where = f"the copy at {found['copy']} (S3 {found['endpoint']})"
    ctx.log(f"restoring snapshot {found['snapshot_id']} from {where} onto the recovery host "
            f"{host.where}")
    clock = time.monotonic()
    try:
        host.prepare(key)
    except DriverError as exc:
        raise ExerciseFailed(str(exc)) from None
    try:
        with lease(ctx.database, found["repository_id"], ctx.actor):
            restic = copy.open()
            restic.no_cache = True
            root, locks = retry_after_stale_locks(
                restic, lambda: restic.restore(found["snapshot_id"], host.target(key),
                                               path=source))
        restored = restic.checksums(root)
    except ResticError as exc:
        raise ExerciseFailed(f"restore of {where} onto the recovery host {host.where} "
                             f"({exc.reason}): {exc}") from None
    mismatches = compare(expected, restored)
    if mismatches:
        raise ExerciseFailed(f"{len(mismatches)} file(s) restored on {host.where} differ from "
                             f"the backup's checksums: {mismatches[:3]}")
    ctx.log(f"{len(restored)} files restored on {host.where}, identical to the backup's "
            "checksums")
    return {
        **found,
        **locks.as_dict(),
        "files_verified": len(restored),
        "root": root,
        "restore_seconds": round(time.monotonic() - clock, 3),
        "rpo_seconds": round(rpo, 3),
        "began_at": began.isoformat(),
    }


def _start(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored = ctx.results["restore"]
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        secondary = plan.secondary_provider
        labels = tags(exercise)
        compute, exercise_compute = connections.compute_for(secondary), _compute(secondary)
        machine = (plan.instance_type, plan.image_id)
    try:
        instance = compute.ensure_instance(
            tags={**labels, TAG_RESOURCE: "dr-instance"},
            instance_type=machine[0],
            image_id=machine[1],
        )
        size = max(1, math.ceil(int(restored["bytes"]) / GB))
        volume = compute.ensure_volume(
            tags={**labels, TAG_RESOURCE: "dr-volume"},
            size_gb=size,
            attach_to=instance["instance_id"],
        )
        state = exercise_compute.wait_running(instance["instance_id"], timeout=START_TIMEOUT)
    except DriverError as exc:
        raise ExerciseFailed(f"capacity at {secondary.name}: {exc}") from None
    if state != "running":
        raise ExerciseFailed(f"instance {instance['instance_id']} at {secondary.name} is "
                             f"{state}, not running")
    ctx.log(f"instance {instance['instance_id']} running at {secondary.name}")
    return {
        "instance_id": instance["instance_id"],
        "volume_id": volume["volume_id"],
        "provider": secondary.name,
        "zone": instance["zone"],
    }


def _serve(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored = ctx.results["restore"]
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        host, key = _host(exercise, plan, get_settings().data_dir), exercise.exercise_key
    ctx.progress(0, 1)  # proves the job's lease before starting a process on the host
    try:
        service = host.serve(key, restored["root"])
    except DriverError as exc:
        raise ExerciseFailed(str(exc)) from None
    ctx.log(f"service started on {host.where}: {service.url} (pid {service.pid})")
    return {"url": service.url, "pid": service.pid, "recovery_host": host.where}


def _probe(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored, served = ctx.results["restore"], ctx.results["serve"]
    began = datetime.fromisoformat(restored["began_at"])
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        host = _host(exercise, plan, get_settings().data_dir)
        run = db.get(BackupRun, int(restored["run_id"]))
        expected = dict(run.checksums) if run is not None else {}
    service, probed = Service(url=served["url"], pid=int(served["pid"])), []
    if not expected:
        raise ExerciseFailed("the backup recorded no file: nothing shows the service serves "
                             "the restored data")
    for path in sample(expected):
        try:
            got = host.fetch(service, path)
        except DriverError as exc:
            raise ExerciseFailed(f"the service does not answer: {exc}") from None
        if got.sha256 != expected[path]:
            raise ExerciseFailed(
                f"the service on {host.where} served {path} with SHA-256 {got.sha256}, not "
                f"{expected[path]} as recorded at backup time (run {restored['run_id']})")
        probed.append({"path": path, "sha256": got.sha256, "bytes": got.bytes})
    rto = (utcnow() - began).total_seconds()
    ctx.log(f"the service at {service.url} served {len(probed)} file(s) with the SHA-256 "
            f"recorded at backup time; RTO {rto:.1f} s")
    return {
        "url": service.url,
        "files": probed,
        "answered_with_restored_data": True,
        "rto_seconds": round(rto, 3),
    }


def _made(exercise: DrExercise, plan: DrPlan) -> teardown.Made:
    """What ``exercise`` may have made, and how to reach it (secrets resolved on use)."""
    data_dir, secondary = get_settings().data_dir, plan.secondary_provider
    spec = _spec(exercise, plan)
    return teardown.Made(
        provider=secondary.name,
        compute=lambda: _compute(secondary),
        labels=tags(exercise),
        key=exercise.exercise_key,
        host=(lambda: host_of(spec, data_dir, plan_id=plan.id)) if spec else None,
    )


def _teardown(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        made = _made(exercise, plan)
        earlier = [(e.id, _made(e, plan)) for e in db.scalars(
            select(DrExercise).where(DrExercise.plan_id == plan.id, DrExercise.id != exercise.id,
                                     DrExercise.state == "failed")) if e.details.get("left_behind")]
    removed = teardown.tear_down(made)
    if not teardown.clean(removed):
        raise ExerciseFailed(f"teardown: {teardown.summary(removed)}")
    ctx.log(f"torn down: instances {removed['instances']}, volumes {removed['volumes']}, "
            f"the service and restored data on {removed['recovery_host']}")
    removed["swept"] = _sweep(ctx, earlier)
    return removed


def _sweep(ctx: jobs.StepContext, earlier: list[tuple[int, teardown.Made]]) -> dict[str, Any]:
    """Remove what earlier failed exercises of the plan left; those swept clean are marked
    so (audited). What still cannot be removed is logged, not this exercise's failure."""
    swept: dict[str, Any] = {}
    for exercise_id, made in earlier:
        removed = teardown.tear_down(made)
        swept[str(exercise_id)] = teardown.summary(removed) or "clean"
        if not teardown.clean(removed):
            ctx.log(f"exercise {exercise_id} still left behind: {swept[str(exercise_id)]}",
                    level="warning")
            continue
        with ctx.transaction() as db:
            old = store.get(db, DrExercise, exercise_id)
            before = snapshot(old, DrExerciseRead)
            old.details = {**old.details, "left_behind": False,
                           "swept_by": int(ctx.params["exercise_id"])}
            db.flush()
            store.record(db, old, actor=ctx.actor, verb="sweep", read=DrExerciseRead,
                         before=before)
        ctx.log(f"removed what exercise {exercise_id} had left behind")
    return swept


def _record(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored, probe = ctx.results["restore"], ctx.results["probe"]
    with ctx.transaction() as db:
        exercise, plan = _exercise(db, ctx)
        before = snapshot(exercise, DrExerciseRead)
        exercise.state = "succeeded"
        exercise.finished_at = utcnow()
        exercise.achieved_rto_seconds = probe["rto_seconds"]
        exercise.achieved_rpo_seconds = restored["rpo_seconds"]
        exercise.rto_met = probe["rto_seconds"] <= plan.rto_minutes * 60
        exercise.rpo_met = restored["rpo_seconds"] <= plan.rpo_minutes * 60
        exercise.details = {
            **{key: dict(ctx.results[key])
               for key in ("restore", "start", "serve", "probe", "teardown")},
            "recovery_host": _spec(exercise, plan),
            "targets": {"rto_minutes": plan.rto_minutes, "rpo_minutes": plan.rpo_minutes},
        }
        db.flush()
        store.record(
            db, exercise, actor=ctx.actor, verb="succeed", read=DrExerciseRead, before=before
        )
        answer = {
            "exercise_id": exercise.id,
            "rto_seconds": exercise.achieved_rto_seconds,
            "rpo_seconds": exercise.achieved_rpo_seconds,
            "rto_met": exercise.rto_met,
            "rpo_met": exercise.rpo_met,
        }
    return answer


def _failed(ctx: jobs.StepContext, message: str) -> None:
    details: dict[str, Any] = {k: dict(v) for k, v in ctx.results.items() if isinstance(v, Mapping)}
    with ctx.read() as db:
        exercise, plan = _exercise(db, ctx)
        made = _made(exercise, plan)
        details["recovery_host"] = _spec(exercise, plan)
        details["targets"] = {"rto_minutes": plan.rto_minutes, "rpo_minutes": plan.rpo_minutes}
    removed = teardown.tear_down(made)
    details["teardown"], details["left_behind"] = removed, not teardown.clean(removed)
    if details["left_behind"]:
        ctx.log(f"teardown after failure: {teardown.summary(removed)}", level="error")
    with ctx.transaction() as db:
        exercise, _ = _exercise(db, ctx)
        before = snapshot(exercise, DrExerciseRead)
        exercise.state = "failed"
        exercise.finished_at = utcnow()
        exercise.error = message[:4000]
        exercise.achieved_rpo_seconds = details.get("restore", {}).get("rpo_seconds")
        exercise.details = details
        db.flush()
        store.record(
            db, exercise, actor=ctx.actor, verb="fail", read=DrExerciseRead, before=before
        )


EXERCISE = jobs.register(
    jobs.JobKind(
        name=EXERCISE_JOB,
        steps=(
            jobs.Step("restore", _restore),
            jobs.Step("start", _start),
            jobs.Step("serve", _serve),
            jobs.Step("probe", _probe),
            jobs.Step("teardown", _teardown),
            jobs.Step("record", _record),
        ),
        on_failure=_failed,
        description="PRA exercise: restore onto the recovery host, start the capacity record "
        "at the secondary, serve, probe the restored data, tear down.",
    )
)


def start_exercise(db: Session, plan: DrPlan, *, actor: str) -> tuple[DrExercise, Job]:
    """Record an exercise of ``plan`` and queue its job (409 if one is already running)."""
    running = select(DrExercise.id).where(
        DrExercise.plan_id == plan.id, DrExercise.state == "running"
    )
    if db.scalar(running) is not None:
        raise errors.conflict(errors.WRONG_STATE, "plan", f"plan {plan.id} is being exercised")
    exercise = DrExercise(
        tenant_id=plan.tenant_id,
        tenant=plan.tenant,
        plan_id=plan.id,
        state="running",
        requested_by=actor,
        details={"recovery_host": plan.recovery_host},  # pinned for the exercise's steps
    )
    db.add(exercise)
    db.flush()
    job = jobs.enqueue(
        db,
        kind=EXERCISE_JOB,
        params={"exercise_id": exercise.id},
        actor=actor,
        tenant_id=plan.tenant_id,
        tenant_finess=plan.tenant.finess,
    )
    exercise.job_id = job.id
    db.flush()
    store.record(db, exercise, actor=actor, verb="start", read=DrExerciseRead)
    return exercise, job


def exercise_query(
    *, tenant: str | None = None, plan_id: int | None = None
) -> Select[tuple[DrExercise]]:
    """Exercises newest first, filtered by tenant FINESS and plan."""
    stmt = select(DrExercise).order_by(DrExercise.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(DrExercise.tenant_id, tenant))
    if plan_id is not None:
        stmt = stmt.where(DrExercise.plan_id == plan_id)
    return stmt
