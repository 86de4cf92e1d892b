"""Persistent jobs: steps, progress, log, result, and workers that share a queue.

A job kind is a named list of steps. Each step is an idempotent function of a
:class:`StepContext`; a succeeded step is recorded and never run again, so a job whose
worker died resumes at its first unfinished step. Workers claim jobs through the
database (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) and hold
a lease they renew while working; a job whose lease expired is taken over by another
worker. Every write a worker makes is fenced by its lease, so a worker that lost its
job (paused, partitioned) cannot overwrite the new owner's progress.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.db import Database, Scope, utcnow
from controlplane.errors import InvalidInput
from controlplane.models import Job, JobLog, JobStep

log = logging.getLogger(__name__)

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
MAX_STEP_ATTEMPTS = 3


class LeaseLost(RuntimeError):
    """This worker no longer owns the job (its lease expired and another took it)."""


class JobCancelled(RuntimeError):
    """Cancellation was requested; raised between steps."""


@dataclass
class StepContext:
    """What a step sees: its job, parameters, earlier results, a log and the database."""

    job_id: int
    params: Mapping[str, Any]
    results: dict[str, Any]
    database: Database
    _worker: Worker
    _step_name: str = ""
    _step_position: int = 0
    _step_count: int = 1

    def log(self, message: str, *, level: str = "info") -> None:
        """Append a line to the job's log (never put a secret in it)."""
        self._worker.append_log(self.job_id, level, f"[{self._step_name}] {message}")

    def progress(self, done: int, total: int) -> None:
        """Report progress inside the current step (``done`` of ``total`` units)."""
        fraction = done / total if total else 1.0
        self._worker.report_progress(
            self.job_id, (self._step_position + fraction) / self._step_count
        )

    def session(self) -> Session:
        """A new unrestricted database session for this step's own work."""
        return self.database.session(scope=Scope.unrestricted())


StepFunction = Callable[[StepContext], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Step:
    """A named, idempotent unit of a job; its return value is stored as its result."""

    name: str
    run: StepFunction


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its steps (fixed, or computed from the parameters at enqueue time).

    ``on_failure`` runs once when the job fails (compensation: undo what was half done).
    """

    name: str
    steps: Sequence[Step] = ()
    steps_for: Callable[[Mapping[str, Any]], Sequence[Step]] | None = None
    on_failure: Callable[[StepContext, str], None] | None = None
    description: str = ""

    def resolve_steps(self, params: Mapping[str, Any]) -> Sequence[Step]:
        """The steps of a job of this kind with ``params``."""
        return self.steps_for(params) if self.steps_for else self.steps


_registry: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make a job kind known to every worker of this process."""
    _registry[kind.name] = kind
    return kind


def get_kind(name: str) -> JobKind:
    """A registered job kind."""
    try:
        return _registry[name]
    except KeyError:
        raise InvalidInput.on("kind", f"unknown job kind {name!r}") from None


def registered_kinds() -> list[str]:
    """Names of every registered job kind."""
    return sorted(_registry)


def enqueue(
    db: Session,
    *,
    kind: str,
    params: Mapping[str, Any],
    actor: str,
    tenant_id: int | None = None,
    tenant_finess: str | None = None,
) -> Job:
    """Queue a job in the caller's transaction (audited with it)."""
    job_kind = get_kind(kind)
    steps = job_kind.resolve_steps(params)
    job = Job(
        kind=kind,
        state="queued",
        params=dict(params),
        created_by=actor,
        tenant_id=tenant_id,
        steps=[JobStep(position=i, name=step.name) for i, step in enumerate(steps)],
    )
    db.add(job)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="job.enqueue",
        target_type="job",
        target_id=job.id,
        tenant_finess=tenant_finess,
        after={"kind": kind, "params": dict(params)},
    )
    return job


def request_cancel(db: Session, job: Job, *, actor: str) -> Job:
    """Ask for a job to stop: a queued job is cancelled now, a running one between steps."""
    if job.state in TERMINAL_STATES:
        from controlplane.errors import Conflict

        raise Conflict(detail=f"job {job.id} is already {job.state}", code="CP-0201")
    before = {"state": job.state}
    if job.state == "queued":
        job.state = "cancelled"
        job.finished_at = utcnow()
    else:
        job.cancel_requested = True
    audit.record(
        db,
        actor=actor,
        action="job.cancel",
        target_type="job",
        target_id=job.id,
        before=before,
        after={"state": job.state, "cancel_requested": job.cancel_requested},
    )
    return job


def default_worker_id() -> str:
    """A worker identity unique across hosts and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Worker:
    """Claims queued (or abandoned) jobs and runs their steps."""

    database: Database
    lease_seconds: float = 30.0
    worker_id: str = field(default_factory=default_worker_id)

    def __post_init__(self) -> None:
        self._lost: set[int] = set()

    # -- database helpers -------------------------------------------------------------
    def _session(self) -> Session:
        return self.database.session(scope=Scope.unrestricted())

    def _fenced_update(self, job_id: int, **values: Any) -> None:
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            done = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.lease_owner == self.worker_id)
                .values(**values)
            ).rowcount
            if done != 1:
                raise LeaseLost(f"job {job_id} is no longer leased by {self.worker_id}")

    def report_progress(self, job_id: int, progress: float) -> None:
        """Record a running job's progress (0..1), fenced by the lease."""
        self._fenced_update(job_id, progress=min(max(progress, 0.0), 1.0))

    def append_log(self, job_id: int, level: str, message: str) -> None:
        """Write a log line for a job."""
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            db.add(JobLog(job_id=job_id, level=level, message=message))

    # -- claiming ---------------------------------------------------------------------
    def claim(self) -> int | None:
        """Take the oldest queued job, or one whose lease expired; None if there is none."""
        now = utcnow()
        claimable = or_(
            Job.state == "queued",
            and_(Job.state == "running", Job.lease_expires_at < now),
        )
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            job_id = db.scalar(
                select(Job.id)
                .where(claimable)
                .order_by(Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job_id is None:
                return None
            taken = db.execute(
                update(Job)
                .where(Job.id == job_id, claimable)
                .values(
                    state="running",
                    lease_owner=self.worker_id,
                    lease_expires_at=now + timedelta(seconds=self.lease_seconds),
                    attempts=Job.attempts + 1,
                    started_at=func.coalesce(Job.started_at, now),
                )
            ).rowcount
            return job_id if taken == 1 else None

    def run_once(self) -> int | None:
        """Claim and run one job to its end; returns its id, or None if the queue was empty."""
        job_id = self.claim()
        if job_id is None:
            return None
        stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(job_id, stop), name=f"lease-{job_id}", daemon=True
        )
        beat.start()
        try:
            self._run(job_id)
        except LeaseLost:
            log.warning("lost the lease on job %s; another worker owns it now", job_id)
        finally:
            stop.set()
            beat.join()
        return job_id

    def run_forever(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        """Run jobs until ``stop`` is set, sleeping ``poll_seconds`` when the queue is empty."""
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("worker %s: unexpected error", self.worker_id)
                ran = None
            if ran is None:
                stop.wait(poll_seconds)

    def _heartbeat(self, job_id: int, stop: threading.Event) -> None:
        interval = self.lease_seconds / 3
        while not stop.wait(interval):
            try:
                self._fenced_update(
                    job_id, lease_expires_at=utcnow() + timedelta(seconds=self.lease_seconds)
                )
            except LeaseLost:
                self._lost.add(job_id)
                return
            except Exception:
                log.exception("could not renew the lease of job %s", job_id)

    # -- running ----------------------------------------------------------------------
    def _run(self, job_id: int) -> None:
        with self._session() as db:
            job = db.get(Job, job_id)
            assert job is not None
            kind_name = job.kind
            kind = _registry.get(kind_name)
            steps = [(s.id, s.position, s.name, s.state, s.result, s.attempts) for s in job.steps]
            params = dict(job.params)
            attempt = job.attempts
        if kind is None:
            self._finish(job_id, "failed", error=f"no worker knows job kind {kind_name!r}")
            return
        definitions = {step.name: step for step in kind.resolve_steps(params)}
        ctx = StepContext(
            job_id=job_id, params=params, results={}, database=self.database, _worker=self
        )
        if attempt > 1:
            ctx._step_name = "worker"
            ctx.log(f"resumed by {self.worker_id} (attempt {attempt})", level="warning")
        total = len(steps)
        for step_id, position, name, state, result, attempts in steps:
            if state == "succeeded":
                ctx.results[name] = result
                continue
            try:
                self._check_cancel(job_id)
                if attempts >= MAX_STEP_ATTEMPTS:
                    raise RuntimeError(f"step {name!r} already tried {attempts} times")
                ctx.results[name] = self._run_step(ctx, step_id, definitions[name], position, total)
            except LeaseLost:
                raise
            except JobCancelled:
                self._finish(job_id, "cancelled", error="cancelled on request")
                return
            except Exception as exc:
                message = f"step {name!r} failed: {exc}"
                self._mark_step(step_id, state="failed", error=_short_traceback(exc))
                ctx._step_name = name
                ctx.log(message, level="error")
                if kind.on_failure is not None:
                    self._compensate(kind, ctx, message)
                self._finish(job_id, "failed", error=message)
                return
        self._finish(job_id, "succeeded", result=ctx.results.get(steps[-1][2]) if steps else {})

    def _run_step(
        self, ctx: StepContext, step_id: int, step: Step, position: int, total: int
    ) -> Any:
        if self._lost_lease(ctx.job_id):
            raise LeaseLost(f"job {ctx.job_id}")
        self._mark_step(
            step_id, state="running", started_at=utcnow(), attempts=JobStep.attempts + 1
        )
        ctx._step_name, ctx._step_position, ctx._step_count = step.name, position, total
        output = step.run(ctx)
        result = dict(output) if output is not None else {}
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            owned = db.execute(
                update(Job)
                .where(Job.id == ctx.job_id, Job.lease_owner == self.worker_id)
                .values(progress=(position + 1) / total)
            ).rowcount
            if owned != 1:
                raise LeaseLost(f"job {ctx.job_id}")
            db.execute(
                update(JobStep)
                .where(JobStep.id == step_id)
                .values(state="succeeded", finished_at=utcnow(), result=result, error=None)
            )
        return result

    def _mark_step(self, step_id: int, **values: Any) -> None:
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            db.execute(update(JobStep).where(JobStep.id == step_id).values(**values))

    def _lost_lease(self, job_id: int) -> bool:
        return job_id in self._lost

    def _check_cancel(self, job_id: int) -> None:
        with self._session() as db:
            if db.scalar(select(Job.cancel_requested).where(Job.id == job_id)):
                raise JobCancelled(str(job_id))

    def _compensate(self, kind: JobKind, ctx: StepContext, message: str) -> None:
        assert kind.on_failure is not None
        ctx._step_name = "rollback"
        try:
            kind.on_failure(ctx, message)
        except Exception as exc:
            ctx.log(f"rollback failed: {exc}", level="error")

    def _finish(
        self,
        job_id: int,
        state: str,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "finished_at": utcnow(),
            "lease_expires_at": None,
            "error": error,
        }
        if result is not None:
            values["result"] = dict(result)
        if state == "succeeded":
            values["progress"] = 1.0
        self._fenced_update(job_id, **values)


def _short_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
