"""A job's log and progress while a step holds a write transaction of its own.

On SQLite the step's transaction holds the database's only write lock; on PostgreSQL a
step that locks its job row (``FOR UPDATE``) blocks the foreign-key check of a log line
inserted from another connection. Either way a log line written synchronously from the
step's thread would wait for a lock that same thread holds. The lines must still land,
in order, as soon as the transaction is over, while the step keeps running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from controlplane import audit, jobs
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Job, JobLog

JOIN_SECONDS = 90  # SQLite's busy timeout is 30 s: a regression fails, it does not hang


def _log_inside(ctx: jobs.StepContext) -> Mapping[str, Any]:
    ctx.log("before")
    with ctx.database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(select(Job.id).where(Job.id == ctx.job_id).with_for_update())
        audit.record(db, actor="tests", action="test.inside", target_type="job",
                     target_id=ctx.job_id)
        ctx.log("inside one")
        ctx.progress(1, 2)
        ctx.log("inside two", level="warning")
    ctx.log("after")
    return {"logged": True}


def _log_then_roll_back(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(select(Job.id).where(Job.id == ctx.job_id).with_for_update())
        ctx.log("about to give up")
        raise RuntimeError("gave up inside the transaction")


def _log_inside_then_wait(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Logs inside a transaction, commits, then runs on until the test releases it."""
    with ctx.database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(select(Job.id).where(Job.id == ctx.job_id).with_for_update())
        ctx.log("seen live")
    release = Path(ctx.params["release"])
    while not release.exists():
        time.sleep(0.02)
    return {}


def _lose_the_lease(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Another worker takes the job over; progress reports must stop this one."""
    with ctx.database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(Job).where(Job.id == ctx.job_id).values(lease_owner="thief"))
    deadline = time.monotonic() + JOIN_SECONDS
    while time.monotonic() < deadline:
        ctx.progress(1, 2)  # raises LeaseLost once the journal's fenced write failed
        time.sleep(0.02)
    raise AssertionError("progress never noticed the lost lease")


jobs.register(jobs.JobKind(name="test.log-inside-transaction",
                           steps=[jobs.Step("inside", _log_inside)]))
jobs.register(jobs.JobKind(name="test.log-then-roll-back",
                           steps=[jobs.Step("doomed", _log_then_roll_back)]))
jobs.register(jobs.JobKind(name="test.log-inside-then-wait",
                           steps=[jobs.Step("waiting", _log_inside_then_wait)]))
jobs.register(jobs.JobKind(name="test.lease-stolen",
                           steps=[jobs.Step("robbed", _lose_the_lease)]))


def _enqueue(database: Database, kind: str, params: Mapping[str, Any] | None = None) -> int:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return jobs.enqueue(db, kind=kind, params=dict(params or {}), actor="tests").id


def _run_in_thread(database: Database) -> threading.Thread:
    thread = threading.Thread(target=jobs.Worker(database).run_once, daemon=True)
    thread.start()
    return thread


def _log(database: Database, job_id: int) -> list[tuple[str, str]]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        lines = db.scalars(select(JobLog).where(JobLog.job_id == job_id).order_by(JobLog.id))
        return [(line.level, line.message) for line in lines]


def _job(database: Database, job_id: int) -> Job:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get(Job, job_id)
        assert job is not None
        return job


def test_lines_logged_inside_the_steps_transaction_land_in_order(database: Database) -> None:
    job_id = _enqueue(database, "test.log-inside-transaction")
    worker = _run_in_thread(database)
    worker.join(timeout=JOIN_SECONDS)
    assert not worker.is_alive(), "the worker is stuck on its own log line"
    job = _job(database, job_id)
    assert job.state == "succeeded", job.error
    assert job.result == {"logged": True} and job.progress == 1.0
    assert _log(database, job_id) == [
        ("info", "[inside] before"), ("info", "[inside] inside one"),
        ("warning", "[inside] inside two"), ("info", "[inside] after"),
    ]
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        touched = db.scalars(select(AuditRecord.target_id)
                             .where(AuditRecord.action == "test.inside")).all()
    assert touched == [str(job_id)]


def test_lines_logged_in_a_rolled_back_transaction_are_kept(database: Database) -> None:
    job_id = _enqueue(database, "test.log-then-roll-back")
    worker = _run_in_thread(database)
    worker.join(timeout=JOIN_SECONDS)
    assert not worker.is_alive(), "the worker is stuck on its own log line"
    job = _job(database, job_id)
    assert job.state == "failed" and "gave up inside the transaction" in (job.error or "")
    assert _log(database, job_id) == [
        ("info", "[doomed] about to give up"),
        ("error", "[doomed] step 'doomed' failed: gave up inside the transaction"),
    ]


def test_a_line_from_inside_a_transaction_is_visible_while_the_step_runs(
    database: Database, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    job_id = _enqueue(database, "test.log-inside-then-wait", {"release": str(release)})
    worker = _run_in_thread(database)
    try:
        deadline = time.monotonic() + JOIN_SECONDS
        while ("info", "[waiting] seen live") not in _log(database, job_id):
            assert time.monotonic() < deadline, "the line never showed while the step ran"
            time.sleep(0.02)
        assert _job(database, job_id).state == "running"
    finally:
        release.touch()
        worker.join(timeout=JOIN_SECONDS)
    assert _job(database, job_id).state == "succeeded"


def test_progress_is_fenced_by_the_lease(database: Database) -> None:
    job_id = _enqueue(database, "test.lease-stolen")
    worker = _run_in_thread(database)
    worker.join(timeout=JOIN_SECONDS * 2)
    assert not worker.is_alive()
    job = _job(database, job_id)
    assert (job.state, job.lease_owner, job.progress) == ("running", "thief", 0.0)
