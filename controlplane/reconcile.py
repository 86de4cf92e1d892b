"""The reconcile framework for resources reconciled key by key: desired vs observed, a
stored plan, apply.

A plane writes a :class:`Reconciler` for each such kind (today network's router
configurations and MPLS→THD site migrations): ``desired()`` reads the spec from the
database, ``observe()`` asks the real world (through a driver), ``compare()`` is a pure
function giving the :class:`Change` for one key, and ``apply()`` makes one change real,
idempotently. This module does the rest: it stores each plan with its attempt/success
times, runs ``apply`` as a job (one step per change, then a verification step that
re-plans and expects no change left), and rolls back through the reconciler when a
change fails.

The apps plane does not use it: a deployment is a rollout (services in dependency
order, targets in canary or rolling batches, each gated by a health check, the whole
service rolled back on failure) observed by one Ansible run for every host, not a set
of independent per-key changes; its desired state, drift and re-sync live in
``apps.deployments``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from controlplane import audit, jobs
from controlplane.db import utcnow
from controlplane.errors import Conflict, InvalidInput, NotFound
from controlplane.models import Job, ReconcilePlan

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Change:
    """One difference between intent and reality, and what applying it needs."""

    key: str
    action: Action
    summary: str
    diff: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The stored form of this change."""
        return {**asdict(self), "data": dict(self.data)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Change:
        """Rebuild a change from its stored form."""
        return cls(
            key=raw["key"],
            action=raw["action"],
            summary=raw["summary"],
            diff=raw.get("diff", ""),
            data=raw.get("data", {}),
        )


class Reconciler(Protocol):
    """What a plane implements for one kind of resource.

    ``concurrency``: how many changes are applied at once (devices in parallel).
    ``atomic``: when True, one failed change rolls every applied change back; when
    False, only the failed change is rolled back and the others stay (independent
    devices: one router refusing a line must not undo its neighbours).
    """

    kind: str
    concurrency: int
    atomic: bool

    def desired(self, db: Session) -> Mapping[str, Any]:
        """The intended state of every resource of this kind, by key."""
        ...

    def observe(self, keys: Iterable[str]) -> Mapping[str, Any]:
        """The state found in the real world for ``keys`` (absent keys: not found)."""
        ...

    def compare(self, key: str, desired: Any | None, observed: Any | None) -> Change | None:
        """The change that makes ``observed`` match ``desired``; None when they match."""
        ...

    def apply(self, change: Change, ctx: jobs.StepContext) -> Mapping[str, Any] | None:
        """Make one change real, read it back and verify it; raise if it did not take.

        Must be safe to run again (a job resumed after a crash re-applies its changes).
        """
        ...

    def rollback(
        self, change: Change, applied: Mapping[str, Any] | None, ctx: jobs.StepContext
    ) -> None:
        """Undo a change that was applied (``applied``: its result) or failed half-way (None)."""
        ...


_reconcilers: dict[str, Reconciler] = {}


def register(reconciler: Reconciler) -> Reconciler:
    """Make a reconciler known to planning and to the apply job."""
    _reconcilers[reconciler.kind] = reconciler
    return reconciler


def get_reconciler(kind: str) -> Reconciler:
    """The reconciler registered for ``kind``."""
    try:
        return _reconcilers[kind]
    except KeyError:
        raise InvalidInput.on("kind", f"no reconciler for {kind!r}") from None


def compute_changes(
    reconciler: Reconciler, db: Session, *, keys: Collection[str] | None = None
) -> list[Change]:
    """Compare desired and observed state for every key either side knows (only
    ``keys`` when given: the real world is then asked about those alone)."""
    desired = reconciler.desired(db)
    if keys is None:
        observed = reconciler.observe(desired.keys())
    else:
        wanted = set(keys)
        desired = {key: value for key, value in desired.items() if key in wanted}
        observed = {k: v for k, v in reconciler.observe(sorted(wanted)).items() if k in wanted}
    changes = []
    for key in sorted(set(desired) | set(observed)):
        change = reconciler.compare(key, desired.get(key), observed.get(key))
        if change is not None:
            changes.append(change)
    return changes


def text_diff(observed: str, desired: str, *, name: str) -> str:
    """A unified diff from ``observed`` to ``desired`` text, for people to read."""
    return "".join(
        difflib.unified_diff(
            observed.splitlines(keepends=True),
            desired.splitlines(keepends=True),
            fromfile=f"{name} (running)",
            tofile=f"{name} (intended)",
        )
    )


def make_plan(
    db: Session,
    *,
    kind: str,
    actor: str,
    tenant_id: int | None = None,
    keys: Collection[str] | None = None,
) -> ReconcilePlan:
    """Compute and store a plan for ``kind`` (only ``keys`` when given); a failed
    observation stores a failed plan. Audited either way: observing logs in to the
    devices or endpoints with their credentials."""
    reconciler = get_reconciler(kind)
    plan = ReconcilePlan(kind=kind, tenant_id=tenant_id, created_by=actor, state="planning")
    db.add(plan)
    db.flush()
    try:
        changes = compute_changes(reconciler, db, keys=keys)
    except Exception as exc:  # a device or endpoint that cannot be observed
        plan.state = "failed"
        plan.error = f"could not compute the plan: {exc}"
    else:
        plan.changes = [change.to_json() for change in changes]
        plan.state = "planned"
        plan.plan_succeeded_at = utcnow()
    audit.record(
        db,
        actor=actor,
        action="plan.create",
        target_type="plan",
        target_id=plan.id,
        after={"kind": kind, "state": plan.state, "keys": sorted(keys) if keys else None,
               "changes": len(plan.changes or [])},
    )
    return plan


def apply_plan(db: Session, plan: ReconcilePlan, *, actor: str) -> Job:
    """Queue the job that applies a stored plan (once; a plan is never applied twice)."""
    if plan.state != "planned":
        raise Conflict(detail=f"plan {plan.id} is {plan.state}; make a new plan", code="CP-0301")
    job = jobs.enqueue(
        db, kind=APPLY_JOB, params={"plan_id": plan.id}, actor=actor, tenant_id=plan.tenant_id
    )
    plan.state = "applying"
    plan.apply_job_id = job.id
    plan.apply_attempted_at = utcnow()
    audit.record(
        db,
        actor=actor,
        action="plan.apply",
        target_type="plan",
        target_id=plan.id,
        after={"kind": plan.kind, "changes": len(plan.changes), "job": job.id},
    )
    return job


def get_plan(db: Session, plan_id: int) -> ReconcilePlan:
    """A stored plan (tenant-scoped like everything else)."""
    plan = db.get(ReconcilePlan, plan_id)
    if plan is None:
        raise NotFound(detail=f"no plan {plan_id}", code="CP-0302")
    return plan


# -- the apply job ----------------------------------------------------------------------
APPLY_JOB = "reconcile.apply"


class ApplyFailed(RuntimeError):
    """Some changes of a plan did not apply; the message names each and why."""


@dataclass(frozen=True)
class _Outcome:
    change: Change
    result: Mapping[str, Any] | None
    error: str | None


def _load(ctx: jobs.StepContext) -> tuple[Reconciler, ReconcilePlan]:
    with ctx.session() as db:
        plan = get_plan(db, int(ctx.params["plan_id"]))
        db.expunge(plan)
    return get_reconciler(plan.kind), plan


def _set_plan_state(
    ctx: jobs.StepContext, plan_id: int, state: str, *, error: str | None = None
) -> None:
    with ctx.session() as db:
        stored = db.get(ReconcilePlan, plan_id)
        assert stored is not None
        stored.state = state
        stored.error = error
        if state == "applied":
            stored.apply_succeeded_at = utcnow()
        db.commit()


def _apply_one(reconciler: Reconciler, change: Change, ctx: jobs.StepContext) -> _Outcome:
    ctx.log(f"{change.action} {change.key}: {change.summary}")
    try:
        result = reconciler.apply(change, ctx)
    except Exception as exc:
        ctx.log(f"{change.key}: {exc}; rolling back", level="error")
        try:
            reconciler.rollback(change, None, ctx)
        except Exception as rollback_error:
            ctx.log(f"{change.key}: rollback failed: {rollback_error}", level="error")
            return _Outcome(change, None, f"{exc} (rollback failed: {rollback_error})")
        return _Outcome(change, None, str(exc))
    return _Outcome(change, dict(result or {}), None)


def _apply_step(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Apply every change, ``concurrency`` at a time; roll back as the reconciler asks."""
    reconciler, plan = _load(ctx)
    changes = [Change.from_json(raw) for raw in plan.changes]
    outcomes: list[_Outcome] = []
    workers = max(1, min(getattr(reconciler, "concurrency", 1), len(changes) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        futures = [pool.submit(_apply_one, reconciler, change, ctx) for change in changes]
        for future in as_completed(futures):
            outcomes.append(future.result())
            ctx.progress(len(outcomes), len(changes))
    failed = [o for o in outcomes if o.error is not None]
    applied = [o for o in outcomes if o.error is None]
    if not failed:
        return {"applied": {o.change.key: o.result for o in applied}}
    if getattr(reconciler, "atomic", True):
        for outcome in sorted(applied, key=lambda o: changes.index(o.change), reverse=True):
            ctx.log(
                f"{outcome.change.key}: rolling back (the plan is all-or-nothing)", level="warning"
            )
            reconciler.rollback(outcome.change, outcome.result, ctx)
        kept = 0
    else:
        kept = len(applied)
    reasons = "; ".join(f"{o.change.key}: {o.error}" for o in failed)
    message = f"{len(failed)} of {len(changes)} change(s) failed ({reasons})"
    _set_plan_state(ctx, plan.id, "partial" if kept else "failed", error=message)
    raise ApplyFailed(message + (f"; {kept} applied change(s) kept" if kept else ""))


def _verify_step(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Re-plan: every key this plan touched must now match its intent."""
    reconciler, plan = _load(ctx)
    touched = {raw["key"] for raw in plan.changes}
    with ctx.session() as db:
        remaining = compute_changes(reconciler, db, keys=touched)
    if remaining:
        keys = ", ".join(c.key for c in remaining)
        _set_plan_state(ctx, plan.id, "failed", error=f"still different after apply: {keys}")
        raise ApplyFailed(f"still different after apply: {keys}")
    _set_plan_state(ctx, plan.id, "applied")
    ctx.log(f"verified: {len(touched)} change(s) in place")
    return {"applied": len(touched)}


def _on_failure(ctx: jobs.StepContext, message: str) -> None:
    """A crash outside the apply step's own handling: record it on the plan."""
    _reconciler, plan = _load(ctx)
    if plan.state == "applying":
        _set_plan_state(ctx, plan.id, "failed", error=message)


jobs.register(
    jobs.JobKind(
        name=APPLY_JOB,
        steps=[jobs.Step("apply", _apply_step), jobs.Step("verify", _verify_step)],
        on_failure=_on_failure,
        description="Apply a stored reconcile plan, roll back failures, verify by re-planning.",
    )
)
