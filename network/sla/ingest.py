"""Per-minute observations into day rows: the upsert the poller and the probes call,
and retention.

An observation says, for one circuit and one minute, what was seen of it. A minute is:

- **down** when the poller saw the circuit's interface down (ifOperStatus down or
  lowerLayerDown): that wins over anything else seen in the minute;
- **up** when the poller saw the interface up, or a probe of the circuit answered (a
  device refusing Socle's SNMP credentials but answering probes is alive: its poll
  status says ``auth``, its own alert);
- **down** too when nothing of the circuit answered, neither its device's poll nor its
  probes, while the poller or prober itself was healthy (other devices or circuits
  answered in the same cycle): a dead single-homed site, whose router, SNMP agent and
  probe target go silent together. Such minutes are marked ``silent``; a sign of life
  in the same minute (an answering probe) makes them up;
- **unknown** when nothing was observed: the poller and prober stopped, or the whole
  cycle went unanswered (the collector's own network is suspect), or the device answered
  unusably (wrong SNMPv3 credentials, malformed answers) and no probe said more.

Maintenance windows are excluded later, by the engine. Merging is idempotent, so a
retried batch changes nothing; probe values are replaced by the latest. Measurements
are not audited (they are observations, not changes of intent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from network import errors
from network.drivers.snmp_types import DeviceSample, Skipped, Unreachable, UnreachableReason
from network.inventory.models import Circuit
from network.sla.codec import LOSS_SCALE, DayArrays
from network.sla.models import CircuitDay

IF_UP, IF_DOWN, IF_LOWER_LAYER_DOWN = 1, 2, 7  # IF-MIB ifOperStatus values
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Observation:
    """What is known of one circuit during the minute holding ``at`` (None: not seen)."""

    circuit_id: int
    at: datetime
    up: bool | None = None
    rtt_ms: float | None = None
    jitter_ms: float | None = None
    loss_pct: float | None = None
    silent: bool = False  # no answer while the collector was healthy


def from_poll(
    circuit_id: int, result: DeviceSample | Unreachable | Skipped, if_index: int, *,
    healthy: bool,
) -> Observation | None:
    """The circuit's state from a poll of the device at its end, on ``if_index``.

    ifOperStatus up is up; down or lowerLayerDown is down; anything else (testing,
    dormant, missing) is unknown. A device that did not answer at all (timeout) while
    the cycle was ``healthy`` (another device answered) makes the minute silent: down
    unless a probe answers in it. An unusable answer (auth, malformed, error) proves the
    device is there but not what its interface does: unknown. A skipped poll observes
    nothing. (With SNMPv2c a wrong community is silence too: a probe answering in the
    minute keeps such a circuit up, and its poll status says timeout.)
    """
    if isinstance(result, Skipped):
        return None
    at = datetime.fromtimestamp(result.taken_at, UTC)
    if isinstance(result, Unreachable):
        silent = healthy and result.reason is UnreachableReason.TIMEOUT
        return Observation(circuit_id, at, up=None, silent=silent)
    interface = result.interface(if_index)
    status = interface.oper_status if interface is not None else None
    up = {IF_UP: True, IF_DOWN: False, IF_LOWER_LAYER_DOWN: False}.get(status)  # type: ignore[arg-type]
    return Observation(circuit_id, at, up=up)


POLLED_UP, POLLED_DOWN, POLLED_SILENT, POLLED_UNREAD = "up", "down", "silent", "unread"
PROBE_ANSWERED, PROBE_LOST = "answered", "lost"


def polled_state(observation: Observation | None) -> str:
    """What a poll saw of a circuit, in one word (see :func:`state_now`)."""
    if observation is None or (observation.up is None and not observation.silent):
        return POLLED_UNREAD
    if observation.up is None:
        return POLLED_SILENT
    return POLLED_UP if observation.up else POLLED_DOWN


def state_now(polled: str | None, probed: str | None) -> str:
    """A circuit's state from the latest poll and probe alone (each None when not fresh),
    by the same rules as a minute: interface down wins; interface up or an answered
    probe is up; silence while the collector worked, or probes lost, is down; else
    unknown."""
    if polled == POLLED_DOWN:
        return "down"
    if polled == POLLED_UP or probed == PROBE_ANSWERED:
        return "up"
    if polled == POLLED_SILENT or probed == PROBE_LOST:
        return "down"
    return "unknown"


def _check(observation: Observation) -> None:
    if observation.at.tzinfo is None:
        raise errors.invalid_period("at", "a timezone-aware time is needed")
    for name in ("rtt_ms", "jitter_ms"):
        value = getattr(observation, name)
        if value is not None and not 0 <= value < 1e6:
            raise errors.invalid_period(name, f"{value} is not a duration in ms")
    if observation.loss_pct is not None and not 0 <= observation.loss_pct <= 100:
        raise errors.invalid_period("loss_pct", f"{observation.loss_pct} is not a percentage")


def _merge(day: DayArrays, observation: Observation, minute: int) -> None:
    if observation.silent:
        day.silent[minute] = True
    if observation.up is not None:
        day.up[minute] = observation.up and (day.unknown[minute] or day.up[minute])
        day.unknown[minute] = False
    if observation.rtt_ms is not None:
        day.rtt_ms[minute] = observation.rtt_ms
    if observation.jitter_ms is not None:
        day.jitter_ms[minute] = observation.jitter_ms
    if observation.loss_pct is not None:
        day.loss[minute] = round(observation.loss_pct * LOSS_SCALE)


def _tenants(db: Session, circuit_ids: set[int]) -> dict[int, int]:
    found = {circuit_id: tenant_id for circuit_id, tenant_id in db.execute(
        select(Circuit.id, Circuit.tenant_id).where(Circuit.id.in_(circuit_ids)))}
    missing = sorted(circuit_ids - found.keys())
    if missing:
        raise errors.unknown_circuit("circuit_id", missing[0])
    return found


def ingest(db: Session, observations: Iterable[Observation]) -> int:
    """Merge ``observations`` into their day rows, creating missing rows; returns how
    many day rows were written. Safe when several writers ingest the same days at once:
    missing rows are created with ``ON CONFLICT DO NOTHING`` and the rows are then
    read ``FOR UPDATE`` (SQLite serialises writers anyway)."""
    by_day: dict[tuple[int, date], list[tuple[int, Observation]]] = defaultdict(list)
    for observation in observations:
        _check(observation)
        at = observation.at.astimezone(UTC)
        by_day[observation.circuit_id, at.date()].append((at.hour * 60 + at.minute, observation))
    if not by_day:
        return 0
    tenants = _tenants(db, {circuit for circuit, _ in by_day})
    blank = DayArrays.blank().pack()
    insert = _INSERTS[db.get_bind().dialect.name]
    db.execute(
        insert(CircuitDay)
        .values([{"circuit_id": c, "day": d, "tenant_id": tenants[c], "updated_at": utcnow(),
                  **blank} for c, d in by_day])
        .on_conflict_do_nothing(index_elements=["circuit_id", "day"])
    )
    circuits = {c for c, _ in by_day}
    days = {d for _, d in by_day}
    rows = db.scalars(
        select(CircuitDay)
        .where(CircuitDay.circuit_id.in_(circuits), CircuitDay.day.in_(days))
        .with_for_update()
    )
    for row in rows:
        seen = by_day.get((row.circuit_id, row.day))
        if seen is None:
            continue
        arrays = DayArrays.unpack(row.up, row.unknown, row.rtt_ms, row.jitter_ms, row.loss,
                                  row.silent)
        for minute, observation in seen:
            _merge(arrays, observation, minute)
        for column, value in arrays.pack().items():
            setattr(row, column, value)
    db.flush()
    return len(by_day)


def purge(db: Session, *, keep_days: int, today: date | None = None) -> int:
    """Delete day rows older than ``keep_days`` days before ``today`` (UTC); returns how
    many went."""
    if keep_days < 1:
        raise errors.invalid_period("keep_days", "keep at least one day")
    cutoff = (today or utcnow().date()) - timedelta(days=keep_days)
    stale = delete(CircuitDay).where(CircuitDay.day < cutoff)
    result = db.execute(stale.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
