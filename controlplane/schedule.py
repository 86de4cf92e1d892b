"""The periodic scheduler: planes' recurring work queued without cron.

A :class:`Schedule` names a cheap function ``(db, *, now) -> result`` (it queues jobs or
does a quick tick) and when it runs: every N seconds (slots aligned on the epoch) or
daily at HH:MM, Europe/Paris time. Planes declare theirs in ``<plane>.schedules:
SCHEDULES``; ``SOCLE_SCHEDULES`` overrides a timing by name.

Each run belongs to a slot (the start of the period it covers). A worker claims a slot
with a compare-and-set on ``schedule_states.slot_at`` (``UPDATE ... WHERE slot_at <
:slot``) and runs the function in the same transaction, so with several workers racing
one slot, exactly one claims it and what it queued is committed with the claim. Missed
slots are not replayed: after downtime the schedule runs once, for the current slot. A
failing function is rolled back (savepoint), recorded in ``last_error``, and tried again
at the next slot; it never stops the loop.
"""

from __future__ import annotations

import logging
import math
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from controlplane import audit, plugins
from controlplane.db import Database, Scope, utcnow
from controlplane.errors import InvalidInput, NotFound
from controlplane.models import Job, ScheduleState
from controlplane.settings import Settings, get_settings

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ERROR_CHARS = 2000
DAY_SECONDS = 86400.0

ScheduleFunction = Callable[..., Any]


@dataclass(frozen=True)
class Schedule:
    """Recurring work: ``run(db, now=...)`` every ``every`` seconds or daily at ``daily_at``.

    ``every`` may be a function of the settings (e.g. a plane's own interval setting).
    """

    name: str
    run: ScheduleFunction
    every: float | Callable[[Settings], float] | None = None
    daily_at: str | None = None
    enabled: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"schedule {self.name!r}: give exactly one of every, daily_at")
        if self.daily_at is not None:
            parse_daily(self.daily_at)

    def interval(self, settings: Settings) -> float | None:
        """Seconds between slots, or None for a daily schedule."""
        if self.every is None:
            return None
        seconds = float(self.every(settings) if callable(self.every) else self.every)
        if seconds <= 0:
            raise ValueError(f"schedule {self.name!r}: interval must be positive")
        return seconds

    def timing(self, settings: Settings) -> str:
        """Human form of when it runs: ``every 300 s`` or ``daily 02:00`` (Europe/Paris)."""
        if not self.enabled:
            return "off"
        seconds = self.interval(settings)
        if seconds is not None:
            return f"every {seconds:g} s"
        return f"daily {self.daily_at}"

    def slot(self, now: datetime, settings: Settings) -> datetime:
        """The start of the slot ``now`` falls in (UTC)."""
        seconds = self.interval(settings)
        if seconds is not None:
            elapsed = (now - EPOCH).total_seconds()
            return EPOCH + timedelta(seconds=math.floor(elapsed / seconds) * seconds)
        assert self.daily_at is not None
        at = parse_daily(self.daily_at)
        local = now.astimezone(PARIS)
        day = local.date()
        candidate = datetime.combine(day, at, tzinfo=PARIS)
        if candidate > local:
            candidate = datetime.combine(day - timedelta(days=1), at, tzinfo=PARIS)
        return candidate.astimezone(UTC)

    def next_slot(self, slot: datetime, settings: Settings) -> datetime:
        """The slot after ``slot``."""
        seconds = self.interval(settings)
        if seconds is not None:
            return slot + timedelta(seconds=seconds)
        assert self.daily_at is not None
        local = slot.astimezone(PARIS)
        following = datetime.combine(local.date() + timedelta(days=1),
                                     parse_daily(self.daily_at), tzinfo=PARIS)
        return following.astimezone(UTC)


def parse_daily(value: str) -> time:
    """``HH:MM`` → a time of day (ValueError when malformed)."""
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"daily time {value!r} is not HH:MM") from None


def configured(schedules: Iterable[Schedule], settings: Settings) -> list[Schedule]:
    """``schedules`` with the ``SOCLE_SCHEDULES`` overrides applied (seconds, HH:MM, off).

    A name no plane declares, or a value of none of these forms, is refused (InvalidInput).
    """
    overrides = dict(settings.schedules)
    result = []
    for schedule in schedules:
        value = overrides.pop(schedule.name, None)
        if value is not None:
            schedule = _override(schedule, str(value).strip())
        result.append(schedule)
    if overrides:
        unknown = ", ".join(sorted(overrides))
        raise InvalidInput.on("SOCLE_SCHEDULES", f"unknown schedule(s): {unknown}")
    return result


def _override(schedule: Schedule, value: str) -> Schedule:
    if value.lower() == "off":
        return replace(schedule, enabled=False)
    try:
        if ":" in value:
            return replace(schedule, every=None, daily_at=value)
        seconds = float(value)
    except ValueError:
        raise InvalidInput.on(f"SOCLE_SCHEDULES.{schedule.name}",
                              f"{value!r} is not seconds, HH:MM or off") from None
    if seconds <= 0:
        return replace(schedule, enabled=False)
    return replace(schedule, every=seconds, daily_at=None)


def plane_schedules(settings: Settings) -> list[Schedule]:
    """Every plane's schedules, overrides applied (the planes must be loaded)."""
    return configured(plugins.plane_schedules(), settings)


# -- helpers for the planes' schedule functions ---------------------------------------


def enqueue_unless_active(db: Session, *, kind: str, params: Mapping[str, Any],
                          actor: str = "scheduler") -> Job | None:
    """Queue a job of ``kind`` unless one is already queued or running (no pile-up)."""
    from controlplane import jobs

    active = db.scalar(select(Job.id).where(Job.kind == kind,
                                            Job.state.in_(("queued", "running"))).limit(1))
    if active is not None:
        return None
    return jobs.enqueue(db, kind=kind, params=params, actor=actor)


def summarise(value: Any) -> dict[str, Any]:
    """A JSON-friendly record of what a schedule function returned."""
    if value is None:
        return {}
    if isinstance(value, Job):
        return {"job_id": value.id, "kind": value.kind}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return {"items": [_jsonable(v) for v in value]}
    return {"value": _jsonable(value)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Job):
        return value.id
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# -- running ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one tick did for one schedule."""

    name: str
    slot: datetime
    ran: bool
    error: str | None = None
    result: dict[str, Any] | None = None


def _ensure_row(db: Session, name: str) -> None:
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(ScheduleState).values(name=name, runs=0, failures=0)
               .on_conflict_do_nothing(index_elements=["name"]))


def _run_function(db: Session, schedule: Schedule, now: datetime) -> tuple[dict[str, Any] | None,
                                                                           str | None]:
    """Run the function in a savepoint: its writes are kept on success, undone on error."""
    try:
        with db.begin_nested():
            return summarise(schedule.run(db, now=now)), None
    except Exception as exc:
        log.exception("schedule %s failed", schedule.name)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return None, detail[:ERROR_CHARS]


def _record(db: Session, schedule: Schedule, now: datetime, result: dict[str, Any] | None,
            error: str | None) -> None:
    values: dict[str, Any] = {"last_run_at": now, "runs": ScheduleState.runs + 1,
                              "last_result": result, "last_error": error}
    if error is None:
        values["last_success_at"] = now
    else:
        values["failures"] = ScheduleState.failures + 1
    db.execute(update(ScheduleState).where(ScheduleState.name == schedule.name).values(**values))


def run_if_due(database: Database, schedule: Schedule, settings: Settings, *,
               now: datetime | None = None) -> Outcome:
    """Claim ``schedule``'s current slot if nobody has, and run it (exactly once per slot)."""
    now = now or utcnow()
    slot = schedule.slot(now, settings)
    with database.transaction(scope=Scope.unrestricted()) as db:
        _ensure_row(db, schedule.name)
        claimed = db.execute(
            update(ScheduleState)
            .where(ScheduleState.name == schedule.name,
                   or_(ScheduleState.slot_at.is_(None), ScheduleState.slot_at < slot))
            .values(slot_at=slot, next_due_at=schedule.next_slot(slot, settings))
        ).rowcount
        if claimed != 1:
            return Outcome(schedule.name, slot, ran=False)
        result, error = _run_function(db, schedule, now)
        _record(db, schedule, now, result, error)
    return Outcome(schedule.name, slot, ran=True, error=error, result=result)


def run_now(database: Database, schedule: Schedule, settings: Settings, *, actor: str,
            now: datetime | None = None) -> Outcome:
    """Run ``schedule`` at once (an operator's ``socle schedule run``), audited.

    The run counts for the current slot, so the scheduler does not repeat it in that slot.
    """
    now = now or utcnow()
    slot = schedule.slot(now, settings)
    with database.transaction(scope=Scope.unrestricted()) as db:
        _ensure_row(db, schedule.name)
        db.execute(update(ScheduleState).where(ScheduleState.name == schedule.name)
                   .values(slot_at=slot, next_due_at=schedule.next_slot(slot, settings)))
        result, error = _run_function(db, schedule, now)
        _record(db, schedule, now, result, error)
        audit.record(db, actor=actor, action="schedule.run", target_type="schedule",
                     target_id=schedule.name,
                     after={"slot": slot.isoformat(), "result": result, "error": error})
    return Outcome(schedule.name, slot, ran=True, error=error, result=result)


def find(schedules: Iterable[Schedule], name: str) -> Schedule:
    """The schedule called ``name`` (404 otherwise)."""
    for schedule in schedules:
        if schedule.name == name:
            return schedule
    raise NotFound(detail=f"no schedule named {name!r}")


def tick(database: Database, schedules: Iterable[Schedule], settings: Settings, *,
         now: datetime | None = None) -> list[Outcome]:
    """Run every enabled schedule whose slot is unclaimed; one failure stops nothing."""
    now = now or utcnow()
    outcomes = []
    for schedule in schedules:
        if not schedule.enabled:
            continue
        try:
            outcomes.append(run_if_due(database, schedule, settings, now=now))
        except Exception:
            log.exception("scheduler: could not run %s", schedule.name)
    return outcomes


@dataclass
class Scheduler:
    """Ticks the schedules every ``SOCLE_SCHEDULER_TICK_SECONDS`` until stopped."""

    database: Database
    schedules: Sequence[Schedule]
    settings: Settings

    def run_forever(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set (each worker process runs one; slots stay exclusive)."""
        while not stop.is_set():
            try:
                tick(self.database, self.schedules, self.settings)
            except Exception:
                log.exception("scheduler tick failed")
            stop.wait(self.settings.scheduler_tick_seconds)


def start(database: Database, settings: Settings, stop: threading.Event) -> threading.Thread | None:
    """Start the scheduler thread beside a worker, unless ``SOCLE_SCHEDULER_ENABLED`` is false."""
    if not settings.scheduler_enabled:
        return None
    scheduler = Scheduler(database, plane_schedules(settings), settings)
    thread = threading.Thread(target=scheduler.run_forever, args=(stop,), name="scheduler",
                              daemon=True)
    thread.start()
    log.info("scheduler started: %s", ", ".join(s.name for s in scheduler.schedules
                                                   if s.enabled))
    return thread


# -- state and metrics -------------------------------------------------------------------


def states(database: Database) -> dict[str, ScheduleState]:
    """Every schedule's stored state, by name."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return {row.name: row for row in db.scalars(select(ScheduleState))}


class ScheduleRead(BaseModel):
    """A schedule as operators see it: its timing and where it stands."""

    name: str
    description: str
    timing: str
    enabled: bool
    slot_at: datetime | None = None
    next_due_at: datetime | None = None
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_result: dict[str, Any] | None = None
    runs: int = 0
    failures: int = 0


def describe(database: Database, schedules: Iterable[Schedule],
             settings: Settings) -> list[ScheduleRead]:
    """Each schedule with its stored state (never-run schedules have none yet)."""
    stored = states(database)
    views = []
    for schedule in schedules:
        state = stored.get(schedule.name)
        fields: dict[str, Any] = {}
        if state is not None:
            fields = {key: getattr(state, key) for key in (
                "slot_at", "next_due_at", "last_run_at", "last_success_at", "last_error",
                "last_result", "runs", "failures")}
        views.append(ScheduleRead(name=schedule.name, description=schedule.description,
                                  timing=schedule.timing(settings), enabled=schedule.enabled,
                                  **fields))
    return views


class ScheduleCollector(Collector):
    """Per schedule: ``socle_schedule_last_run_timestamp_seconds`` and
    ``..._last_success_...`` (once it ran), and ``socle_schedule_interval_seconds`` (each
    enabled schedule; a day for a daily one), for a rule on schedules that stopped running."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterable[GaugeMetricFamily]:
        run = GaugeMetricFamily("socle_schedule_last_run_timestamp_seconds",
                                "When a schedule last ran (Unix time).", labels=["schedule"])
        success = GaugeMetricFamily("socle_schedule_last_success_timestamp_seconds",
                                    "When a schedule last ran without error (Unix time).",
                                    labels=["schedule"])
        interval = GaugeMetricFamily("socle_schedule_interval_seconds",
                                     "Seconds between two runs of an enabled schedule.",
                                     labels=["schedule"])
        for name, state in sorted(states(self.database).items()):
            if state.last_run_at is not None:
                run.add_metric([name], state.last_run_at.timestamp())
            if state.last_success_at is not None:
                success.add_metric([name], state.last_success_at.timestamp())
        settings = get_settings()
        for schedule in sorted(plane_schedules(settings), key=lambda s: s.name):
            if schedule.enabled:
                interval.add_metric([schedule.name], schedule.interval(settings) or DAY_SECONDS)
        yield run
        yield success
        yield interval


def exposition(database: Database) -> bytes:
    """The schedules' metrics in text exposition."""
    registry = CollectorRegistry()
    registry.register(ScheduleCollector(database))
    return generate_latest(registry)

