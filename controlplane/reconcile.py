"""The reconcile framework every plane uses: desired vs observed, plan, apply.

A plane writes a :class:`Reconciler` for each of its kinds: ``desired()`` reads the
spec from the database, ``observe()`` asks the real world (through a driver),
``compare()`` is a pure function giving the :class:`Change` for one key, and
``apply()`` makes one change real, idempotently. This module does the rest: it stores
each plan with its attempt/success times, runs ``apply`` as a job (one step per
change, then a verification step that re-plans and expects no change left), and
rolls back through the reconciler when a change fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
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
    """What a plane implements for one kind of resource."""

    kind: str

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
        """Make one change real; must be safe to run twice."""
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


def compute_changes(reconciler: Reconciler, db: Session) -> list[Change]:
    """Compare desired and observed state for every key either side knows."""
    desired = reconciler.desired(db)
    observed = reconciler.observe(desired.keys())
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


def make_plan(db: Session, *, kind: str, actor: str, tenant_id: int | None = None) -> ReconcilePlan:
    """Compute and store a plan for ``kind``; a failed observation stores a failed plan."""
    reconciler = get_reconciler(kind)
    plan = ReconcilePlan(kind=kind, tenant_id=tenant_id, created_by=actor, state="planning")
    db.add(plan)
    db.flush()
    try:
        changes = compute_changes(reconciler, db)
    except Exception as exc:  # a device or endpoint that cannot be observed
        plan.state = "failed"
        plan.error = f"could not compute the plan: {exc}"
        return plan
    plan.changes = [change.to_json() for change in changes]
    plan.state = "planned"
    plan.plan_succeeded_at = utcnow()
    return plan


def apply_plan(db: Session, plan: ReconcilePlan, *, actor: str) -> Job:
    """Queue the job that applies a stored plan (once; a plan is never applied twice)."""
    if plan.state != "planned":
        raise Conflict(detail=f"plan {plan.id} is {plan.state}; make a new plan", code="CP-0301")
    job = jobs.enqueue(
        db,
        kind=APPLY_JOB,
        params={"plan_id": plan.id, "change_count": len(plan.changes)},
        actor=actor,
        tenant_id=plan.tenant_id,
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


def _load(ctx: jobs.StepContext) -> tuple[Reconciler, ReconcilePlan]:
    with ctx.session() as db:
        plan = get_plan(db, int(ctx.params["plan_id"]))
        db.expunge(plan)
    return get_reconciler(plan.kind), plan


def _apply_step(index: int) -> jobs.StepFunction:
    def run(ctx: jobs.StepContext) -> Mapping[str, Any] | None:
        reconciler, plan = _load(ctx)
        change = Change.from_json(plan.changes[index])
        ctx.log(f"{change.action} {change.key}: {change.summary}")
        return reconciler.apply(change, ctx)

    return run


def _verify_step(ctx: jobs.StepContext) -> Mapping[str, Any]:
    reconciler, plan = _load(ctx)
    applied = {raw["key"] for raw in plan.changes}
    with ctx.session() as db:
        remaining = [c for c in compute_changes(reconciler, db) if c.key in applied]
        if remaining:
            keys = ", ".join(c.key for c in remaining)
            raise RuntimeError(f"still different after apply: {keys}")
        stored = db.get(ReconcilePlan, plan.id)
        assert stored is not None
        stored.state = "applied"
        stored.apply_succeeded_at = utcnow()
        db.commit()
    ctx.log(f"verified: {len(applied)} change(s) in place")
    return {"applied": len(applied)}


def _steps_for(params: Mapping[str, Any]) -> list[jobs.Step]:
    if "change_count" not in params:
        raise InvalidInput.on("params", "reconcile.apply needs change_count")
    count = int(params["change_count"])
    return [jobs.Step(f"apply-{i}", _apply_step(i)) for i in range(count)] + [
        jobs.Step("verify", _verify_step)
    ]


def _on_failure(ctx: jobs.StepContext, message: str) -> None:
    """Roll back, newest first, every change applied and the one that failed half-way."""
    reconciler, plan = _load(ctx)
    applied = [i for i in range(len(plan.changes)) if f"apply-{i}" in ctx.results]
    attempted = min(len(applied) + 1, len(plan.changes))
    for index in reversed(range(attempted)):
        change = Change.from_json(plan.changes[index])
        ctx.log(f"rolling back {change.key}", level="warning")
        reconciler.rollback(change, ctx.results.get(f"apply-{index}"), ctx)
    with ctx.session() as db:
        stored = db.get(ReconcilePlan, plan.id)
        assert stored is not None
        stored.state = "failed"
        db.commit()


jobs.register(
    jobs.JobKind(
        name=APPLY_JOB,
        steps_for=_steps_for,
        on_failure=_on_failure,
        description="Apply a stored reconcile plan, verify, roll back on failure.",
    )
)
