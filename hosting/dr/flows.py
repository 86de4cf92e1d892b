"""The PRA exercise job: restore at the secondary, start, probe, measure, tear down, record.

Steps (each idempotent; a retried step finds what an earlier attempt made by its tags):

1. ``restore``: the latest good snapshot of the copy held at the secondary (or the
   plan's ``restore_from`` copy) is restored with restic into a scratch area and its
   files are checked against the checksums recorded at backup time. The step's start
   stands for the disaster: achieved RPO = that moment minus the snapshot's backup time.
2. ``start``: an instance (and a volume the size of the restored data) is started at
   the secondary's EC2 endpoint, tagged with the tenant's FINESS and the exercise key;
   the step waits for ``running``.
3. ``probe``: the EC2 API must report the instance running and serve its console.
   Achieved RTO = from the simulated disaster until the instance answers.
4. ``teardown``: everything carrying the exercise's tags is terminated or deleted, the
   scratch area removed, and the step checks nothing is left.
5. ``record``: the exercise record gets the measures and whether the targets were met.

When a step fails, ``on_failure`` tears down what carries the tags (best effort,
logged) and records the exercise as failed with the error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import datetime
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
from hosting.backup.repositories import copy_access, executor_for, lease, scratch_root
from hosting.dr.models import DrExercise, DrPlan
from hosting.dr.schemas import DrExerciseRead
from hosting.drivers import TAG_REQUEST, TAG_RESOURCE, TAG_TENANT, DriverError
from hosting.drivers.dr import DrCompute
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
    """A step found the recovery not working (bad data, instance not answering, leftovers)."""




def _exercise(db: Session, ctx: jobs.StepContext) -> DrExercise:
    return store.get(db, DrExercise, int(ctx.params["exercise_id"]))


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


def _source_copy(plan: DrPlan, policy: BackupPolicy) -> BackupRepository:
    """The copy held at the secondary, else the plan's ``restore_from`` copy, else copy 0."""
    wanted = (plan.secondary_provider.name, plan.placement.get("restore_from"))
    for name in wanted:
        for repository in policy.repositories:
            if repository.provider.name == name:
                return repository
    return policy.repositories[0]


def _restore(ctx: jobs.StepContext) -> Mapping[str, Any]:
    data_dir = get_settings().data_dir
    with ctx.read() as db:
        exercise = _exercise(db, ctx)
        plan = store.get(db, DrPlan, exercise.plan_id)
        policy = db.scalar(
            select(BackupPolicy).where(BackupPolicy.subscription_id == plan.subscription_id)
        )
        if policy is None or not policy.repositories:
            raise ExerciseFailed(f"subscription {plan.subscription_id} has no backup policy")
        repository = _source_copy(plan, policy)
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
        copy = copy_access(policy, repository, data_dir, timeout=RESTIC_TIMEOUT)
        scratch = f"{scratch_root(policy, data_dir)}/dr-{exercise.exercise_key}"
        expected, source = dict(run.checksums), policy.source_path
        began = utcnow()  # the simulated disaster: RPO and RTO are measured from here
        rpo = (began - run.finished_at).total_seconds()
        found = {
            "run_id": run.id,
            "snapshot_id": run.snapshot_id or "",
            "bytes": run.bytes,
            "copy": repository.provider.name,
            "repository_id": repository.id,
        }
    ctx.log(f"restoring snapshot {found['snapshot_id']} from the copy at {found['copy']}")
    clock = time.monotonic()
    copy.executor.run(["rm", "-rf", "--", scratch], env={}, timeout=600)
    try:
        with lease(ctx.database, found["repository_id"], ctx.actor):
            restic = copy.open()
            restic.no_cache = True
            root = restic.restore(found["snapshot_id"], scratch, path=source)
        restored = restic.checksums(root)
    except ResticError as exc:
        raise ExerciseFailed(f"restore from {found['copy']}: {exc}") from None
    mismatches = compare(expected, restored)
    if mismatches:
        raise ExerciseFailed(f"{len(mismatches)} restored file(s) differ: {mismatches[:3]}")
    ctx.log(f"{len(restored)} files restored and identical to the backup's checksums")
    return {
        **found,
        "files_verified": len(restored),
        "scratch": scratch,
        "restore_seconds": round(time.monotonic() - clock, 3),
        "rpo_seconds": round(rpo, 3),
        "began_at": began.isoformat(),
    }


def _start(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored = ctx.results["restore"]
    with ctx.read() as db:
        exercise = _exercise(db, ctx)
        plan = store.get(db, DrPlan, exercise.plan_id)
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
        raise ExerciseFailed(str(exc)) from None
    if state != "running":
        raise ExerciseFailed(f"instance {instance['instance_id']} is {state}, not running")
    ctx.log(f"instance {instance['instance_id']} running at {secondary.name}")
    return {
        "instance_id": instance["instance_id"],
        "volume_id": volume["volume_id"],
        "provider": secondary.name,
        "zone": instance["zone"],
    }


def _probe(ctx: jobs.StepContext) -> Mapping[str, Any]:
    started = ctx.results["start"]
    began = datetime.fromisoformat(ctx.results["restore"]["began_at"])
    with ctx.read() as db:
        exercise = _exercise(db, ctx)
        compute = _compute(store.get(db, DrPlan, exercise.plan_id).secondary_provider)
    try:
        probe = compute.probe(started["instance_id"])
    except DriverError as exc:
        raise ExerciseFailed(str(exc)) from None
    if not probe.answers:
        raise ExerciseFailed(
            f"instance {probe.instance_id} does not answer (state {probe.state}, "
            f"console {'reachable' if probe.console_reachable else 'unreachable'})"
        )
    rto = (utcnow() - began).total_seconds()
    ctx.log(f"instance answers (state {probe.state}, console reachable); RTO {rto:.1f} s")
    return {
        "state": probe.state,
        "console_reachable": True,
        "status_checks": probe.status_checks,
        "rto_seconds": round(rto, 3),
    }


def _teardown_all(ctx: jobs.StepContext) -> dict[str, Any]:
    """Remove everything carrying the exercise's tags and its scratch area; what was removed."""
    with ctx.read() as db:
        exercise = _exercise(db, ctx)
        plan = store.get(db, DrPlan, exercise.plan_id)
        compute, labels = _compute(plan.secondary_provider), tags(exercise)
        policy = db.scalar(
            select(BackupPolicy).where(BackupPolicy.subscription_id == plan.subscription_id)
        )
        scratch = None
        if policy is not None:
            scratch = f"{scratch_root(policy, get_settings().data_dir)}/dr-{exercise.exercise_key}"
            executor = executor_for(policy, get_settings().data_dir)
    found = compute.tagged(labels)
    left = compute.teardown(labels)
    if scratch is not None:
        executor.run(["rm", "-rf", "--", scratch], env={}, timeout=600)
    return {
        "instances": found.instances,
        "volumes": found.volumes,
        "left": {"instances": left.instances, "volumes": left.volumes},
    }


def _teardown(ctx: jobs.StepContext) -> Mapping[str, Any]:
    try:
        removed = _teardown_all(ctx)
    except DriverError as exc:
        raise ExerciseFailed(f"teardown: {exc}") from None
    if removed["left"]["instances"] or removed["left"]["volumes"]:
        raise ExerciseFailed(f"teardown left {removed['left']}")
    ctx.log(f"torn down: instances {removed['instances']}, volumes {removed['volumes']}")
    return removed


def _record(ctx: jobs.StepContext) -> Mapping[str, Any]:
    restored, probe = ctx.results["restore"], ctx.results["probe"]
    with ctx.transaction() as db:
        exercise = _exercise(db, ctx)
        plan = store.get(db, DrPlan, exercise.plan_id)
        before = snapshot(exercise, DrExerciseRead)
        exercise.state = "succeeded"
        exercise.finished_at = utcnow()
        exercise.achieved_rto_seconds = probe["rto_seconds"]
        exercise.achieved_rpo_seconds = restored["rpo_seconds"]
        exercise.rto_met = probe["rto_seconds"] <= plan.rto_minutes * 60
        exercise.rpo_met = restored["rpo_seconds"] <= plan.rpo_minutes * 60
        exercise.details = {
            **{key: dict(ctx.results[key]) for key in ("restore", "start", "probe", "teardown")},
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
    try:
        details["teardown"] = _teardown_all(ctx)
    except Exception as exc:  # best effort: the failure is recorded below
        ctx.log(f"teardown after failure: {exc}", level="error")
        details["teardown_error"] = str(exc)
    with ctx.transaction() as db:
        exercise = _exercise(db, ctx)
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
            jobs.Step("probe", _probe),
            jobs.Step("teardown", _teardown),
            jobs.Step("record", _record),
        ),
        on_failure=_failed,
        description="PRA exercise: restore at the secondary provider, start, probe, tear down.",
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
        details={},
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
