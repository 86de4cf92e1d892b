"""Persistent jobs: steps, failure and rollback, cancel, lease takeover, shared queue,
and a worker killed with SIGKILL mid-job (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from controlplane import jobs
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Job, JobStep
from controlplane.settings import Settings
from tests.conftest import TenantFactory, TokenFactory

REPO = Path(__file__).resolve().parents[2]


def _enqueue(database: Database, kind: str, tmp_path: Path, *, tenant_id: int | None = None,
             name: str = "job") -> tuple[int, Path]:
    marker = tmp_path / f"{name}.marks"
    params = {"marker": str(marker), "release": str(tmp_path / f"{name}.release")}
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = jobs.enqueue(db, kind=kind, params=params, actor="tests", tenant_id=tenant_id)
        return job.id, marker


def _job(database: Database, job_id: int) -> Job:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get(Job, job_id)
        assert job is not None
        job.steps  # noqa: B018  (load before the session closes)
        return job


def _marks(marker: Path) -> list[str]:
    return marker.read_text().splitlines() if marker.exists() else []


def test_job_runs_its_steps_and_reports(database: Database, client: TestClient,
                                        auth: TokenFactory, tmp_path: Path) -> None:
    job_id, marker = _enqueue(database, "test.quick", tmp_path)
    assert jobs.Worker(database).run_once() == job_id
    job = _job(database, job_id)
    assert job.state == "succeeded" and job.progress == 1.0
    assert job.result == {"done": job_id}
    assert [s.state for s in job.steps] == ["succeeded", "succeeded"]
    assert _marks(marker) == ["prepare", "finish"]
    shown = client.get(f"/api/v1/jobs/{job_id}", headers=auth("gcs-operator")).json()
    assert shown["state"] == "succeeded" and shown["progress"] == 1.0
    assert [s["name"] for s in shown["steps"]] == ["prepare", "finish"]
    assert any("prepared" in line["message"] for line in shown["log"])
    assert jobs.Worker(database).run_once() is None


def test_failed_step_fails_the_job_and_runs_the_rollback(database: Database,
                                                         tmp_path: Path) -> None:
    job_id, marker = _enqueue(database, "test.failing", tmp_path)
    jobs.Worker(database).run_once()
    job = _job(database, job_id)
    assert job.state == "failed"
    assert "device refused the change" in (job.error or "")
    assert [s.state for s in job.steps] == ["succeeded", "failed", "pending"]
    assert _marks(marker) == ["prepare", "fail",
                              "rollback: step 'push' failed: device refused the change"]


def test_cancel_queued_and_running(database: Database, tmp_path: Path, client: TestClient,
                                   auth: TokenFactory) -> None:
    queued, _ = _enqueue(database, "test.quick", tmp_path, name="a")
    answer = client.post(f"/api/v1/jobs/{queued}/cancel", headers=auth("gcs-operator"))
    assert answer.status_code == 202 and answer.json()["job"]["state"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{queued}/cancel",
                       headers=auth("gcs-operator")).status_code == 409
    assert _marks(tmp_path / "a.marks") == ["cancelled: True"]  # its kind's on_cancel ran

    running, marker = _enqueue(database, "test.three-steps", tmp_path, name="b")
    worker = threading.Thread(target=jobs.Worker(database).run_once)
    worker.start()
    _wait(lambda: "push-start" in _marks(marker))
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = db.get(Job, running)
        assert job is not None
        jobs.request_cancel(db, job, actor="tests")
    (tmp_path / "b.release").touch()
    worker.join(timeout=30)
    job = _job(database, running)
    assert job.state == "cancelled"
    assert "finish" not in _marks(marker)
    assert _marks(marker)[-1] == "cancelled: True"


def test_abandoned_job_is_taken_over_and_resumes(database: Database, tmp_path: Path) -> None:
    """A job left 'running' by a dead worker whose lease expired resumes after its done steps."""
    job_id, marker = _enqueue(database, "test.three-steps", tmp_path)
    (tmp_path / "job.release").touch()
    first = jobs.Worker(database, lease_seconds=60, worker_id="dead-worker")
    assert first.claim() == job_id
    with database.transaction(scope=Scope.unrestricted()) as db:
        step = _job(database, job_id).steps[0]
        db.execute(update(JobStep).where(JobStep.id == step.id)
                   .values(state="succeeded", result={"prepared": True}))
    assert jobs.Worker(database).claim() is None  # the lease still holds
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(Job).where(Job.id == job_id)
                   .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert jobs.Worker(database).run_once() == job_id
    job = _job(database, job_id)
    assert job.state == "succeeded" and job.attempts == 2
    assert _marks(marker) == ["push-start", "push-done", "finish"]
    # the dead worker cannot write any more: its lease is fenced
    try:
        first._finish(job_id, "failed", error="zombie")
    except jobs.LeaseLost:
        pass
    else:
        raise AssertionError("a worker without the lease could write")
    assert _job(database, job_id).state == "succeeded"


def test_workers_share_the_queue_without_running_a_job_twice(database: Database,
                                                            tmp_path: Path) -> None:
    ids = [_enqueue(database, "test.quick", tmp_path, name=f"j{i}")[0] for i in range(24)]
    stop = threading.Event()
    workers = [jobs.Worker(database, worker_id=f"w{i}") for i in range(3)]
    threads = [threading.Thread(target=w.run_forever, args=(stop, 0.05)) for w in workers]
    for thread in threads:
        thread.start()
    _wait(lambda: all(_job(database, i).state == "succeeded" for i in ids), timeout=60)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    for i in range(24):
        assert Counter(_marks(tmp_path / f"j{i}.marks")) == {"prepare": 1, "finish": 1}
    assert {_job(database, i).attempts for i in ids} == {1}


def test_worker_killed_mid_job_resumes_and_finishes_exactly_once(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    job_id, marker = _enqueue(database, "test.three-steps", tmp_path)
    env = {**os.environ, "SOCLE_JOB_LEASE_SECONDS": "1.5", "SOCLE_WORKER_POLL_SECONDS": "0.1",
           "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "controlplane.cli", "worker"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: "push-start" in _marks(marker))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert _job(database, job_id).state == "running"
        (tmp_path / "job.release").touch()
        second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            _wait(lambda: _job(database, job_id).state == "succeeded", timeout=30)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    job = _job(database, job_id)
    assert job.attempts == 2
    assert Counter(_marks(marker)) == {"prepare": 1, "push-start": 2, "push-done": 1,
                                       "finish": 1}
    assert [s.attempts for s in job.steps] == [1, 2, 1]
    assert job.result == {"done": job_id}


def test_establishment_sees_only_its_jobs(database: Database, client: TestClient,
                                         auth: TokenFactory, make_tenant: TenantFactory,
                                         tmp_path: Path) -> None:
    own, other = make_tenant(), make_tenant()
    mine, _ = _enqueue(database, "test.quick", tmp_path, tenant_id=own.id, name="mine")
    theirs, _ = _enqueue(database, "test.quick", tmp_path, tenant_id=other.id, name="theirs")
    _enqueue(database, "test.quick", tmp_path, name="regional")
    headers = auth("establishment", own)
    listing = client.get("/api/v1/jobs", headers=headers).json()
    assert [j["id"] for j in listing["items"]] == [mine] and listing["total"] == 1
    assert client.get(f"/api/v1/jobs/{theirs}", headers=headers).status_code == 404
    assert client.get("/api/v1/jobs", headers=auth("auditor")).json()["total"] == 3


def test_cli_lists_shows_and_watches(database: Database, tmp_path: Path) -> None:
    job_id, _ = _enqueue(database, "test.quick", tmp_path)
    jobs.Worker(database).run_once()
    cli_runner = CliRunner()
    listed = cli_runner.invoke(cli, ["job", "list", "--json"])
    assert listed.exit_code == 0 and f'"id": {job_id}' in listed.stdout
    shown = cli_runner.invoke(cli, ["job", "show", str(job_id)])
    assert shown.exit_code == 0 and "prepare" in shown.stdout
    watched = cli_runner.invoke(cli, ["job", "watch", str(job_id)])
    assert watched.exit_code == 0 and f"job {job_id} succeeded" in watched.output
    failed_id, _ = _enqueue(database, "test.failing", tmp_path, name="f")
    jobs.Worker(database).run_once()
    assert cli_runner.invoke(cli, ["job", "watch", str(failed_id)]).exit_code == 1
    assert cli_runner.invoke(cli, ["job", "show", "999999"]).exit_code == 3


def _wait(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
