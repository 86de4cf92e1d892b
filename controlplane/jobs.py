"""Persistent jobs: steps, progress, log, result, and workers that share a queue.

A job kind is a named list of steps. Each step is an idempotent function of a
:class:`StepContext`; a succeeded step is recorded and never run again, so a job whose
worker died resumes at its first unfinished step. Workers claim jobs through the
database (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) and hold
a lease they renew while working; a job whose lease expired is taken over by another
worker. Every write a worker makes is fenced by its lease, so a worker that lost its
job (paused, partitioned) cannot overwrite the new owner's progress.

A step's log lines and progress go through the job's :class:`Journal`, written by a
thread of its own, so a step may log while it holds a write transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.db import Database, Scope, utcnow
from controlplane.errors import InvalidInput
from controlplane.models import Job, JobLog, JobStep

log = logging.getLogger(__name__)

TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
MAX_STEP_ATTEMPTS = 3
#: How long the journal keeps retrying a write the database refuses (locked, disconnected).
JOURNAL_RETRY_SECONDS = 300.0


class LeaseLost(RuntimeError):
    """This worker no longer owns the job (its lease expired and another took it)."""


class JobCancelled(RuntimeError):
    """Cancellation was requested; raised between steps."""


@dataclass
class StepContext:
    """What a step sees: its job, parameters, earlier results, a log and the database."""

    job_id: int
    kind: str
    params: Mapping[str, Any]
    results: dict[str, Any]
    database: Database
    _journal: Journal
    _step_name: str = ""
    _step_position: int = 0
    _step_count: int = 1

    def log(self, message: str, *, level: str = "info") -> None:
        """Append a line to the job's log (never put a secret in it).

        Safe inside a write transaction of the step's own: the line is written as soon
        as the database lets it (see :class:`Journal`).
        """
        self._journal.log(level, f"[{self._step_name}] {message}")

    def progress(self, done: int, total: int) -> None:
        """Report progress inside the current step (``done`` of ``total`` units).

        Raises :class:`LeaseLost` once the worker knows another worker owns the job.
        """
        fraction = done / total if total else 1.0
        self._journal.progress((self._step_position + fraction) / self._step_count)
        if self._journal.lease_lost:
            raise LeaseLost(f"job {self.job_id}")

    @property
    def actor(self) -> str:
        """How this job is named in the audit log: ``job:N (kind)``."""
        return f"job:{self.job_id} ({self.kind})"

    def session(self) -> Session:
        """A new unrestricted database session for this step's own work."""
        return self.database.session(scope=Scope.unrestricted())

    def transaction(self) -> AbstractContextManager[Session]:
        """A unit of work of this step: an unrestricted session, committed when the block
        succeeds, rolled back when it raises."""
        return self.database.transaction(scope=Scope.unrestricted())

    def read(self) -> Session:
        """A read-only unrestricted session (``with ctx.read() as db:``)."""
        return self.database.session(scope=Scope.unrestricted(), write=False)


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
    ``on_cancel(db, params)`` runs in the transaction that records a cancellation (of a
    queued job on request, or of a running one stopped between steps), so what the job
    stood for (e.g. a deployment's state) never stays "queued" or "running".
    """

    name: str
    steps: Sequence[Step] = ()
    steps_for: Callable[[Mapping[str, Any]], Sequence[Step]] | None = None
    on_failure: Callable[[StepContext, str], None] | None = None
    on_cancel: Callable[[Session, Mapping[str, Any]], None] | None = None
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
        kind = _registry.get(job.kind)
        if kind is not None and kind.on_cancel is not None:
            kind.on_cancel(db, dict(job.params))
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
        journal = Journal(self, job_id)
        try:
            state, outcome = self._run(job_id, journal)
            journal.close()  # every line is written before the job is seen finished
            self._finish(job_id, state, **outcome)
        except LeaseLost:
            log.warning("lost the lease on job %s; another worker owns it now", job_id)
        finally:
            journal.close()
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
    def _run(self, job_id: int, journal: Journal) -> tuple[str, dict[str, Any]]:
        """Run the job's unfinished steps; its final state and ``_finish`` arguments."""
        with self._session() as db:
            job = db.get(Job, job_id)
            assert job is not None
            kind_name = job.kind
            kind = _registry.get(kind_name)
            steps = [(s.id, s.position, s.name, s.state, s.result, s.attempts) for s in job.steps]
            params = dict(job.params)
            attempt = job.attempts
        if kind is None:
            return "failed", {"error": f"no worker knows job kind {kind_name!r}"}
        definitions = {step.name: step for step in kind.resolve_steps(params)}
        ctx = StepContext(job_id=job_id, kind=kind_name, params=params, results={},
                          database=self.database, _journal=journal)
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
                if kind.on_cancel is not None:
                    with self.database.transaction(scope=Scope.unrestricted()) as db:
                        kind.on_cancel(db, params)
                return "cancelled", {"error": "cancelled on request"}
            except Exception as exc:
                message = f"step {name!r} failed: {exc}"
                self._mark_step(step_id, state="failed", error=_short_traceback(exc))
                ctx._step_name = name
                ctx.log(message, level="error")
                if kind.on_failure is not None:
                    self._compensate(kind, ctx, message)
                return "failed", {"error": message}
        return "succeeded", {"result": ctx.results.get(steps[-1][2]) if steps else {}}

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
        ctx._journal.flush()  # the step's lines are durable before it is recorded done
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


class Journal:
    """A running job's log lines and progress, written in order by a thread of its own.

    A step may log, or report progress, while it holds a write transaction of its own.
    Written from the step's thread, the line would wait for a lock that very thread
    holds: SQLite's single write lock, or on PostgreSQL the job row if the step locked
    it (the line's foreign key). So lines are queued here, stamped with the time they
    were logged, and this thread writes them in the order they came, at once when the
    step holds no lock, as soon as its transaction ends otherwise (committed or rolled
    back: the lines tell what happened either way). Progress is a fenced write; only its
    latest value is kept. The worker flushes the journal before it records a step done,
    and closes it before it records the job's end, so no line is lost to a finished job.
    """

    def __init__(self, worker: Worker, job_id: int) -> None:
        self._worker = worker
        self._job_id = job_id
        self._lines: list[tuple[str, str, datetime]] = []
        self._progress: float | None = None
        self._writing = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(
            target=self._write_loop, name=f"journal-{job_id}", daemon=True
        )
        self._thread.start()

    @property
    def lease_lost(self) -> bool:
        """True once a fenced write (or the heartbeat) found another worker owns the job."""
        return self._worker._lost_lease(self._job_id)

    def log(self, level: str, message: str) -> None:
        """Queue a line; it is written without waiting for the caller's transactions."""
        with self._changed:
            self._lines.append((level, message, utcnow()))
            self._changed.notify_all()

    def progress(self, value: float) -> None:
        """Queue the job's progress (0..1), fenced by the lease when written."""
        with self._changed:
            self._progress = min(max(value, 0.0), 1.0)
            self._changed.notify_all()

    def flush(self) -> None:
        """Wait until everything queued so far is written (never from inside a transaction)."""
        with self._changed:
            self._changed.wait_for(lambda: not (self._pending() or self._writing))

    def close(self) -> None:
        """Write what is queued and stop the thread (idempotent)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join()

    def _pending(self) -> bool:
        return bool(self._lines) or self._progress is not None

    def _write_loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending() or self._closed)
                if not self._pending():
                    return
                lines, self._lines = self._lines, []
                progress, self._progress = self._progress, None
                self._writing = True
            try:
                self._write(lines, progress)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    def _write(self, lines: list[tuple[str, str, datetime]], progress: float | None) -> None:
        """Write one batch, retrying while the database is locked or unreachable."""
        give_up = time.monotonic() + JOURNAL_RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                self._write_once(lines, progress)
                return
            except OperationalError as exc:
                if time.monotonic() > give_up:
                    log.error("gave up writing %d log lines of job %s: %s",
                              len(lines), self._job_id, exc)
                    return
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
            except Exception:
                log.exception("could not write %d log lines of job %s", len(lines), self._job_id)
                return

    def _write_once(self, lines: list[tuple[str, str, datetime]], progress: float | None) -> None:
        database = self._worker.database
        with database.transaction(scope=Scope.unrestricted()) as db:
            for level, message, at in lines:  # one INSERT each: ids follow the logging order
                db.execute(
                    insert(JobLog).values(job_id=self._job_id, level=level, message=message, at=at)
                )
            if progress is not None:
                owned = db.execute(
                    update(Job)
                    .where(Job.id == self._job_id, Job.lease_owner == self._worker.worker_id)
                    .values(progress=progress)
                ).rowcount
                if owned != 1:
                    self._worker._lost.add(self._job_id)


def _short_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
