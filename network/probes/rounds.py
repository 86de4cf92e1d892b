"""A probe round: every observed circuit with a reflector (of this shard) is probed in
each class of service its profile carries, at once (bounded); the figures of its top
class become the minute's RTT, jitter and loss in the SLA day rows, those of its other
classes go to the class day rows (a contract may name one), and every class's figures
go to ``/metrics``."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from controlplane.db import Database, Scope
from network.inventory.models import Circuit
from network.inventory.schemas import PROFILE_CLASSES, ClassOfService
from network.polling import metrics
from network.polling.models import CircuitMonitor
from network.polling.targets import Shard
from network.probes.prober import DSCP, ProbeResult, probe
from network.sla.ingest import PROBE_ANSWERED, PROBE_LOST, Observation, ingest, ingest_classes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeTarget:
    """A circuit's reflector and the classes to probe."""

    circuit_id: int
    ref: str
    host: str
    port: int
    classes: tuple[str, ...]


@dataclass(frozen=True)
class RoundReport:
    """What a probe round measured, per (circuit ref, class)."""

    started_at: float
    results: dict[tuple[str, str], ProbeResult]
    day_rows: int


def load_targets(database: Database, shard: Shard) -> list[ProbeTarget]:
    """The circuits of ``shard`` (by circuit id) that have a probe reflector."""
    with database.transaction(scope=Scope.unrestricted(), write=False) as db:
        rows = db.execute(
            select(Circuit.id, Circuit.ref, CircuitMonitor.probe_host, CircuitMonitor.probe_port,
                   Circuit.cos_profile)
            .join(CircuitMonitor, CircuitMonitor.circuit_id == Circuit.id)
            .where(CircuitMonitor.probe_host.is_not(None))
            .order_by(Circuit.ref)
        ).all()
    return [ProbeTarget(i, ref, host, port,
                        tuple(PROFILE_CLASSES.get(cos, (ClassOfService.BE,))))
            for i, ref, host, port, cos in rows if shard.owns(i)]


def _record_circuits(db: Session, observations: list[Observation]) -> None:
    """What this round saw of each circuit it recorded (answered, lost), one UPDATE."""
    if not observations:
        return
    table = CircuitMonitor.__table__
    db.connection().execute(
        update(table).where(table.c.circuit_id == bindparam("_id")).values(
            probed_state=bindparam("_state"), probed_at=bindparam("_at")),
        [{"_id": o.circuit_id, "_state": PROBE_ANSWERED if o.up else PROBE_LOST, "_at": o.at}
         for o in observations],
    )


async def probe_round(
    database: Database, *, shard: Shard | None = None, count: int = 20, interval: float = 0.02,
    timeout: float = 1.0, concurrency: int = 64,
) -> RoundReport:
    """Probe every target once per class; record and publish the figures."""
    started = time.time()
    targets = load_targets(database, shard or Shard())
    slots = asyncio.Semaphore(concurrency)

    async def one(target: ProbeTarget, cos: str) -> ProbeResult | None:
        async with slots:
            try:
                return await probe(target.host, target.port, count=count, interval=interval,
                                   timeout=timeout, dscp=DSCP[cos])
            except OSError as exc:  # unresolvable or unroutable: nothing measured
                log.warning("probe of %s (%s) failed: %s", target.ref, cos, exc)
                return None

    jobs = [(t, cos) for t in targets for cos in t.classes]
    measured = await asyncio.gather(*(one(t, cos) for t, cos in jobs))
    results = {(t.ref, cos): r for (t, cos), r in zip(jobs, measured, strict=True)
               if r is not None}
    at = datetime.fromtimestamp(started, UTC)
    # An answered probe is a sign of life; all lost is silence (down unless something
    # answers in the minute) when the prober itself works (another circuit answered).
    # When nothing answered anywhere, the prober's own network is suspect: nothing of
    # the round is recorded (no 100 % loss measured against the circuits).
    healthy = any(r.received for r in results.values())
    measured_in = {
        (t, cos): Observation(t.circuit_id, at, up=True if r.received else None,
                              silent=not r.received, rtt_ms=r.rtt_ms, jitter_ms=r.jitter_ms,
                              loss_pct=r.loss_pct)
        for t, cos in jobs
        if (r := results.get((t.ref, cos))) is not None and (healthy or r.received)
    }
    observations = [o for (t, cos), o in measured_in.items() if cos == t.classes[0]]
    others = [(cos, o) for (t, cos), o in measured_in.items() if cos != t.classes[0]]
    with database.transaction(scope=Scope.unrestricted()) as db:
        _record_circuits(db, observations)
        day_rows = ingest(db, observations)
        ingest_classes(db, others)
    metrics.LIVE.probes([
        metrics.ProbeFigures(ref, cos, r.rtt_ms, r.jitter_ms, r.loss_pct / 100)
        for (ref, cos), r in results.items()
    ], time.time())
    return RoundReport(started, results, day_rows)
