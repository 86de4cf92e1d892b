"""The periodic scheduler: slots, exactly-once claims, catch-up, failures, CLI, worker."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from controlplane import jobs, schedule
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.errors import InvalidInput
from controlplane.models import AuditRecord, Job, ScheduleState
from controlplane.schedule import Schedule
from controlplane.settings import Settings
from network.config.flows import BACKUP_JOB
from tests.conftest import TenantFactory, TokenFactory

T0 = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)


def _queue_quick(db: Session, *, now: datetime) -> Job:
    return jobs.enqueue(db, kind="test.quick", params={"marker": "/dev/null"},
                        actor="scheduler")


def _jobs(database: Database, kind: str = "test.quick") -> list[Job]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return list(db.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def _state(database: Database, name: str) -> ScheduleState:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        state = db.get(ScheduleState, name)
        assert state is not None
        return state


# -- timing, no database ------------------------------------------------------------------


def test_interval_slots_are_aligned_and_daily_slots_follow_paris_time() -> None:
    plain = Settings()
    every = Schedule("e", _queue_quick, every=300)
    assert every.slot(T0 + timedelta(seconds=299), plain) == T0
    assert every.slot(T0 + timedelta(seconds=300), plain) == T0 + timedelta(minutes=5)
    assert every.next_slot(T0, plain) == T0 + timedelta(minutes=5)
    daily = Schedule("d", _queue_quick, daily_at="02:00")
    # winter: 02:00 in Paris is 01:00 UTC; before it, the slot is the day before's
    assert daily.slot(T0, plain) == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert daily.slot(datetime(2026, 11, 28, 0, 59, tzinfo=UTC), plain) == datetime(
        2026, 11, 27, 1, 0, tzinfo=UTC)
    # summer: 00:00 UTC; the day after the clocks go back (25 Oct), the slot moves an hour
    assert daily.slot(datetime(2026, 7, 1, 12, tzinfo=UTC), plain) == datetime(
        2026, 7, 1, 0, 0, tzinfo=UTC)
    assert daily.next_slot(datetime(2026, 10, 25, 0, 0, tzinfo=UTC), plain) == datetime(
        2026, 10, 26, 1, 0, tzinfo=UTC)


def test_overrides_change_timing_or_disable_and_reject_unknown_names() -> None:
    declared = [Schedule("a", _queue_quick, every=60), Schedule("b", _queue_quick, every=60),
                Schedule("c", _queue_quick, daily_at="09:00")]
    settings = Settings(schedules={"a": "02:30", "b": "off", "c": 600})
    a, b, c = schedule.configured(declared, settings)
    assert (a.timing(settings), b.enabled, c.timing(settings)) == ("daily 02:30", False,
                                                                   "every 600 s")
    with pytest.raises(InvalidInput, match="nope"):
        schedule.configured(declared, Settings(schedules={"nope": "60"}))
    with pytest.raises(InvalidInput, match=r"SOCLE_SCHEDULES\.a"):
        schedule.configured(declared, Settings(schedules={"a": "25:99"}))
    with pytest.raises(ValueError, match="HH:MM"):
        Schedule("bad", _queue_quick, daily_at="9h")


# -- claims, on each database -------------------------------------------------------------


def test_runs_once_per_slot_with_an_injected_clock(database: Database, settings: Settings) -> None:
    every = Schedule("test.every-minute", _queue_quick, every=60)
    assert schedule.run_if_due(database, every, settings, now=T0).ran
    assert not schedule.run_if_due(database, every, settings, now=T0 + timedelta(seconds=59)).ran
    assert schedule.run_if_due(database, every, settings, now=T0 + timedelta(seconds=60)).ran
    state = _state(database, every.name)
    assert (state.runs, state.failures, state.last_error) == (2, 0, None)
    assert state.slot_at == T0 + timedelta(minutes=1)
    assert state.next_due_at == T0 + timedelta(minutes=2)
    assert state.last_result == {"job_id": _jobs(database)[-1].id, "kind": "test.quick"}
    assert len(_jobs(database)) == 2


def test_missed_slots_catch_up_with_one_run(database: Database, settings: Settings) -> None:
    every = Schedule("test.every-minute", _queue_quick, every=60)
    schedule.run_if_due(database, every, settings, now=T0)
    later = T0 + timedelta(hours=3, seconds=5)
    outcomes = [schedule.run_if_due(database, every, settings, now=later) for _ in range(3)]
    assert [o.ran for o in outcomes] == [True, False, False]
    assert len(_jobs(database)) == 2
    assert _state(database, every.name).slot_at == T0 + timedelta(hours=3)


def test_two_workers_racing_one_slot_enqueue_once(database: Database,
                                                  settings: Settings) -> None:
    every = Schedule("test.race", _queue_quick, every=60)
    slots = 6
    ran: list[bool] = []
    lock = threading.Lock()

    def worker(barrier: threading.Barrier, now: datetime) -> None:
        barrier.wait()
        outcome = schedule.run_if_due(database, every, settings, now=now)
        with lock:
            ran.append(outcome.ran)

    for slot in range(slots):
        barrier = threading.Barrier(2)
        now = T0 + timedelta(minutes=slot, seconds=1)
        threads = [threading.Thread(target=worker, args=(barrier, now)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(ran) == [False] * slots + [True] * slots
    assert len(_jobs(database)) == slots
    assert _state(database, every.name).runs == slots


def test_a_failing_schedule_is_recorded_rolled_back_and_retried(database: Database,
                                                                settings: Settings) -> None:
    calls: list[datetime] = []

    def flaky(db: Session, *, now: datetime) -> Job:
        calls.append(now)
        job = _queue_quick(db, now=now)
        if len(calls) == 1:
            raise RuntimeError("provider unreachable")
        return job

    failing = Schedule("test.flaky", flaky, every=60)
    healthy = Schedule("test.healthy", _queue_quick, every=60)
    outcomes = schedule.tick(database, [failing, healthy], settings, now=T0)
    assert [(o.name, o.ran, o.error) for o in outcomes] == [
        ("test.flaky", True, "RuntimeError: provider unreachable"),
        ("test.healthy", True, None)]
    state = _state(database, failing.name)
    assert (state.failures, state.last_error, state.last_success_at) == (
        1, "RuntimeError: provider unreachable", None)
    assert len(_jobs(database)) == 1  # the failed run's job was rolled back, the other kept
    # the same slot is not retried; the next one is, and clears the error
    assert schedule.tick(database, [failing], settings, now=T0 + timedelta(seconds=30)) == [
        schedule.Outcome("test.flaky", T0, ran=False)]
    schedule.tick(database, [failing], settings, now=T0 + timedelta(seconds=60))
    state = _state(database, failing.name)
    assert (state.runs, state.failures, state.last_error) == (2, 1, None)
    assert len(_jobs(database)) == 2


def test_cli_runs_a_plane_schedule_now_audited_and_lists_it(database: Database,
                                                            settings: Settings) -> None:
    runner = CliRunner()
    ran = runner.invoke(cli, ["schedule", "run", BACKUP_JOB, "--json"])
    assert ran.exit_code == 0, ran.output
    output = json.loads(ran.stdout)
    (job,) = _jobs(database, BACKUP_JOB)
    assert output["result"] == {"job_id": job.id, "kind": BACKUP_JOB} and job.state == "queued"
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        audited = db.scalars(select(AuditRecord).where(AuditRecord.action == "schedule.run"))
        assert [(a.target_id, a.after["result"]["job_id"]) for a in audited] == [
            (BACKUP_JOB, job.id)]
    listed = json.loads(runner.invoke(cli, ["schedule", "list", "--json"]).stdout)
    by_name = {row["name"]: row for row in listed}
    assert by_name[BACKUP_JOB]["runs"] == 1 and by_name[BACKUP_JOB]["timing"] == "daily 02:00"
    assert {"network.poll-cycle", "hosting.backup-schedule", "ssi.campaign.remind"} <= set(
        by_name)
    # the manual run counts for the current slot: the scheduler does not repeat it
    backups = schedule.find(schedule.plane_schedules(settings), BACKUP_JOB)
    assert not schedule.run_if_due(database, backups, settings).ran
    missing = runner.invoke(cli, ["schedule", "run", "network.nothing"])
    assert missing.exit_code == 3


def test_worker_scheduler_queues_and_runs_the_network_backup(
    database: Database, settings: Settings, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, metrics_headers: dict[str, str],
) -> None:
    wanted = [s for s in schedule.plane_schedules(settings) if s.name == BACKUP_JOB]
    stop = threading.Event()
    fast = settings.model_copy(update={"scheduler_tick_seconds": 0.05})
    scheduler = schedule.Scheduler(database, wanted, fast)
    worker = jobs.Worker(database)
    threads = [threading.Thread(target=scheduler.run_forever, args=(stop,)),
               threading.Thread(target=worker.run_forever, args=(stop, 0.05))]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while not [j for j in _jobs(database, BACKUP_JOB) if j.state == "succeeded"]:
            assert time.monotonic() < deadline, "no scheduled backup ran"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    (job,) = _jobs(database, BACKUP_JOB)  # later ticks in the same slot queued nothing
    assert job.created_by == "scheduler" and job.result == {"routers": 0, "new_versions": 0}
    run_at = _state(database, BACKUP_JOB).last_run_at
    assert run_at is not None
    prefix = f'socle_schedule_last_run_timestamp_seconds{{schedule="{BACKUP_JOB}"}} '
    exposed = client.get("/metrics", headers=metrics_headers).text
    (line,) = [m for m in exposed.splitlines() if m.startswith(prefix)]
    assert float(line.removeprefix(prefix)) == pytest.approx(run_at.timestamp())
    # the API lists the schedules; an establishment does not see what they queued
    listed = client.get("/api/v1/schedules", headers=auth("gcs-operator")).json()
    (row,) = [r for r in listed["items"] if r["name"] == BACKUP_JOB]
    assert listed["total"] >= 5 and row["last_result"]["job_id"] == job.id
    own = client.get("/api/v1/schedules", headers=auth("establishment", make_tenant())).json()
    (row,) = [r for r in own["items"] if r["name"] == BACKUP_JOB]
    assert row["runs"] == 1 and row["last_result"] is None


def test_disabled_schedules_are_not_ticked(database: Database, settings: Settings) -> None:
    off = Schedule("test.off", _queue_quick, every=60, enabled=False)
    assert schedule.tick(database, [off], settings, now=T0) == []
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.scalar(select(func.count()).select_from(ScheduleState)) == 0
    assert _jobs(database) == []


def test_every_plane_schedule_runs_on_an_empty_region(database: Database,
                                                      settings: Settings) -> None:
    declared = schedule.plane_schedules(settings)
    outcomes = schedule.tick(database, declared, settings, now=T0)
    assert [(o.name, o.ran, o.error) for o in outcomes] == [(s.name, True, None)
                                                           for s in declared]
    queued = {job.kind for job in _all_jobs(database)}
    assert queued == {"network.poll-cycle", "network.backup-configs", "network.sla-events",
                      "network.sla-retention", "ssi.campaign.remind"}
    # a poll cycle still queued is not queued again at the next slot
    schedule.tick(database, declared, settings, now=T0 + timedelta(minutes=5))
    assert len(_jobs(database, "network.poll-cycle")) == 1


def _all_jobs(database: Database) -> list[Job]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return list(db.scalars(select(Job)))
