"""Poll cycles of one shard: poll every target at once (bounded concurrency, per-device
timeout and retries), then in one transaction record each device's poll status and
merge the circuits' per-minute observations into the SLA day rows; publish the rates.

A :class:`ShardPoller` owns one :class:`SnmpPoller` (one UDP socket, bound to the
event loop it runs on) and the previous sample of each device (for rates). Cycles of a
shard run one after the other, and the SNMP poller refuses a second poll of a device
still being polled, so polls of a device never overlap; a cycle that overruns delays
the next one (the lag is exposed) instead of stacking up.

A device that times out, refuses the credentials or answers garbage is marked
``unreachable`` with the reason. What its circuits' minutes become is decided by
:mod:`network.sla.ingest`: a device silent while others answered in the same cycle
makes its circuits' minutes *silent* (down unless a probe answers); a refusal or garbage
leaves them unknown (the device is there; its probes say whether the circuit is up).
The live figures (:mod:`network.polling.metrics`) follow the same rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from controlplane.db import Database, Scope
from controlplane.settings import Settings
from network.drivers.snmp import (
    AuthProtocol,
    DeviceSample,
    PrivProtocol,
    SnmpPoller,
    Unreachable,
    UnreachableReason,
    V2cCredentials,
    V3Credentials,
    compute_rates,
)
from network.polling import metrics
from network.polling.models import CircuitMonitor, DeviceMonitor
from network.polling.targets import PollPlan, Shard, load_plan
from network.secrets import resolve
from network.sla.ingest import IF_UP, Observation, from_poll, ingest, polled_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CycleReport:
    """What a cycle did: devices polled, answering, unreachable (hostname → reason),
    skipped (still being polled), and how many SLA day rows it wrote."""

    shard: str
    started_at: float
    duration: float
    polled: int
    reachable: int
    unreachable: dict[str, str]
    skipped: int
    day_rows: int


def settings_credentials(settings: Settings) -> V3Credentials:
    """The monitoring plane's SNMPv3 user (SHA/AES) with its keys resolved now (the keys
    are the ones rendered on the routers; see network.config.render)."""
    return V3Credentials(
        settings.network_snmp_user,
        resolve(settings.network_snmp_auth_ref, settings.data_dir),
        resolve(settings.network_snmp_priv_ref, settings.data_dir),
        auth_protocol=AuthProtocol.SHA,
        priv_protocol=PrivProtocol.AES,
    )


class ShardPoller:
    """Poll cycles of one shard of the devices (module doc)."""

    def __init__(
        self,
        database: Database,
        credentials: V2cCredentials | V3Credentials,
        *,
        shard: Shard | None = None,
        concurrency: int = 64,
        timeout: float = 1.0,
        retries: int = 1,
    ) -> None:
        self.database = database
        self.shard = shard or Shard()
        self._credentials = credentials
        self._timeout, self._retries = timeout, retries
        self._snmp = SnmpPoller(concurrency=concurrency)
        self._previous: dict[str, DeviceSample] = {}

    @classmethod
    def from_settings(
        cls, database: Database, settings: Settings, *, shard: Shard | None = None
    ) -> ShardPoller:
        """A shard poller configured by the ``SOCLE_NETWORK_*`` settings."""
        return cls(database, settings_credentials(settings), shard=shard,
                   concurrency=settings.network_poll_concurrency,
                   timeout=settings.network_snmp_timeout, retries=settings.network_snmp_retries)

    async def __aenter__(self) -> ShardPoller:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the SNMP socket (call before the event loop closes)."""
        self._snmp.close()

    async def cycle(self, *, scheduled_at: float | None = None) -> CycleReport:
        """Poll the shard's devices once and record what was seen."""
        started = time.time()
        with self.database.transaction(scope=Scope.unrestricted(), write=False) as db:
            plan = load_plan(db, self.shard, self._credentials, timeout=self._timeout,
                             retries=self._retries)
        results = await self._snmp.poll_many(plan.targets)
        samples = [r for r in results if isinstance(r, DeviceSample)]
        failures = [r for r in results if isinstance(r, Unreachable)]
        # The poller's own network works when some device answered, even unusably: only
        # then is a device's silence its own (see network.sla.ingest).
        healthy = bool(samples) or any(f.reason is not UnreachableReason.TIMEOUT
                                       for f in failures)
        seen = {
            watched.circuit_id: observation
            for result in results
            for watched in plan.circuits.get(result.device, [])
            if (observation := from_poll(watched.circuit_id, result, watched.if_index,
                                         healthy=healthy))  # None: skipped, nothing seen
        }
        observations = [o for o in seen.values()
                        if o.up is not None or o.silent]  # else: unknown
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            _record_status(db, plan, samples, failures)
            _record_circuits(db, seen)
            day_rows = ingest(db, observations)
        duration = time.time() - started
        self._publish(plan, samples, failures, observations, started, duration,
                      lag=max(0.0, started - scheduled_at) if scheduled_at else 0.0)
        for failure in failures:
            log.info("poll of %s: %s", failure.device, failure)
        return CycleReport(
            shard=str(self.shard), started_at=started, duration=duration,
            polled=len(plan.targets), reachable=len(samples),
            unreachable={f.device: str(f.reason) for f in failures},
            skipped=len(results) - len(samples) - len(failures), day_rows=day_rows,
        )

    async def run(
        self,
        interval: float,
        *,
        stop: asyncio.Event | None = None,
        cycles: int | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> int:
        """Run a cycle every ``interval`` seconds until ``stop`` is set or ``cycles``
        have run; returns how many ran. A late cycle shifts the schedule, never doubles
        up; a failed cycle is logged (its shard's last-cycle time stops advancing, which
        the PollerLagging alert sees) and the next one runs on schedule."""
        stop = stop or asyncio.Event()
        done = 0
        due = time.time()
        while not stop.is_set():
            try:
                report = await self.cycle(scheduled_at=due)
            except Exception:  # e.g. the database away for a moment: the next cycle retries
                log.exception("poll cycle of shard %s failed", self.shard)
            else:
                if on_cycle is not None:
                    on_cycle(report)
            done += 1
            if cycles is not None and done >= cycles:
                break
            due = max(due + interval, time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, due - time.time()))
        return done

    def _publish(
        self,
        plan: PollPlan,
        samples: list[DeviceSample],
        failures: list[Unreachable],
        observations: list[Observation],
        started: float,
        duration: float,
        *,
        lag: float,
    ) -> None:
        interfaces = []
        for sample in samples:
            rates = compute_rates(self._previous.get(sample.device), sample)
            self._previous[sample.device] = sample
            for itf in rates.interfaces:
                interfaces.append(metrics.InterfaceFigures(
                    sample.device, itf.if_index,
                    None if itf.oper_status is None else itf.oper_status == IF_UP,
                    {name: getattr(itf, name) for name in metrics.RATE_NAMES},
                ))
        for gone in set(self._previous) - set(plan.device_ids):
            del self._previous[gone]
        refs = {w.circuit_id: w.ref for watched in plan.circuits.values() for w in watched}
        devices: dict[str, str | None] = {s.device: None for s in samples}
        devices.update({f.device: str(f.reason) for f in failures})
        metrics.LIVE.cycle(metrics.CycleSnapshot(
            shard=str(self.shard), finished_at=started + duration, duration=duration, lag=lag,
            devices=devices,
            circuits_up={refs[o.circuit_id]: o.up for o in observations if o.up is not None},
            interfaces=interfaces,
            circuits_unread=frozenset(refs.values()) - {
                refs[o.circuit_id] for o in observations if o.up is not None},
            circuits_silent=frozenset(refs[o.circuit_id] for o in observations
                                      if o.up is None and o.silent),
            in_maintenance={ref: ref in plan.in_maintenance for ref in refs.values()},
        ))


def _record_circuits(db: Session, seen: dict[int, Observation]) -> None:
    """What this poll saw of each circuit (up, down, silent, unread), one UPDATE."""
    if not seen:
        return
    table = CircuitMonitor.__table__
    db.connection().execute(
        update(table).where(table.c.circuit_id == bindparam("_id")).values(
            polled_state=bindparam("_state"), polled_at=bindparam("_at")),
        [{"_id": circuit_id, "_state": polled_state(o), "_at": o.at}
         for circuit_id, o in seen.items()],
    )


def _record_status(
    db: Session, plan: PollPlan, samples: list[DeviceSample], failures: list[Unreachable]
) -> None:
    """Each polled device's status: ok, or unreachable with reason (one UPDATE each kind)."""
    table = DeviceMonitor.__table__
    connection = db.connection()
    if samples:
        connection.execute(
            update(table).where(table.c.device_id == bindparam("_id")).values(
                state="ok", reason=None, detail=None, failures=0,
                last_poll_at=bindparam("_at"), last_ok_at=bindparam("_at")),
            [{"_id": plan.device_ids[s.device], "_at": _utc(s.taken_at)} for s in samples],
        )
    if failures:
        connection.execute(
            update(table).where(table.c.device_id == bindparam("_id")).values(
                state="unreachable", reason=bindparam("_reason"), detail=bindparam("_detail"),
                failures=table.c.failures + 1, last_poll_at=bindparam("_at")),
            [{"_id": plan.device_ids[f.device], "_at": _utc(f.taken_at),
              "_reason": str(f.reason), "_detail": f.detail[:200]} for f in failures],
        )


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
