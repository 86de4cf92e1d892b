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

Probe figures in the circuit's other classes of service go to the class day rows
(:func:`ingest_classes`); only the top class's are in the day row. Maintenance windows
are excluded later, by the engine. Merging is idempotent, so a
retried batch changes nothing; probe values are replaced by the latest. Measurements
are not audited (they are observations, not changes of intent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from network import errors
from network.drivers.snmp_types import DeviceSample, Skipped, Unreachable, UnreachableReason
from network.inventory.models import Circuit
from network.sla.codec import LOSS_SCALE, DayArrays
from network.sla.models import CircuitDay, ClassDay

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


def _locked_rows(db: Session, model: type[CircuitDay] | type[ClassDay], keys: set[tuple[Any, ...]],
                 columns: tuple[str, ...]) -> list[Any]:
    """The rows of ``model`` at ``keys`` (values of ``columns``, the circuit first), the
    missing ones created blank with ``ON CONFLICT DO NOTHING``, all read ``FOR UPDATE``
    (SQLite serialises writers anyway): safe when several writers ingest at once."""
    tenants = _tenants(db, {key[0] for key in keys})
    blank = {c: v for c, v in DayArrays.blank().pack().items() if c in model.__table__.c}
    insert = _INSERTS[db.get_bind().dialect.name]
    db.execute(
        insert(model)
        .values([{**dict(zip(columns, key, strict=True)), "tenant_id": tenants[key[0]],
                  "updated_at": utcnow(), **blank} for key in keys])
        .on_conflict_do_nothing(index_elements=list(columns))
    )
    rows = db.scalars(
        select(model)
        .where(*(getattr(model, c).in_({key[i] for key in keys}) for i, c in enumerate(columns)))
        .with_for_update()
    )
    return [row for row in rows if tuple(getattr(row, c) for c in columns) in keys]


def _by_row(observations: Iterable[tuple[tuple[Any, ...], Observation]],
            ) -> dict[tuple[Any, ...], list[tuple[int, Observation]]]:
    """Observations by day row key ``(circuit, day, *rest)``, each with its minute."""
    by_row: dict[tuple[Any, ...], list[tuple[int, Observation]]] = defaultdict(list)
    for rest, observation in observations:
        _check(observation)
        at = observation.at.astimezone(UTC)
        by_row[(observation.circuit_id, at.date(), *rest)].append(
            (at.hour * 60 + at.minute, observation))
    return by_row


def ingest(db: Session, observations: Iterable[Observation]) -> int:
    """Merge ``observations`` into their day rows, creating missing rows; returns how
    many day rows were written."""
    by_row = _by_row(((), o) for o in observations)
    if not by_row:
        return 0
    for row in _locked_rows(db, CircuitDay, set(by_row), ("circuit_id", "day")):
        arrays = DayArrays.unpack(row.up, row.unknown, row.rtt_ms, row.jitter_ms, row.loss,
                                  row.silent)
        for minute, observation in by_row[row.circuit_id, row.day]:
            _merge(arrays, observation, minute)
        for column, value in arrays.pack().items():
            setattr(row, column, value)
    db.flush()
    return len(by_row)


def ingest_classes(db: Session, figures: Iterable[tuple[str, Observation]]) -> int:
    """Merge probe figures measured in a class of service other than the circuit's top
    class (``(cos, observation)``; only its RTT, jitter and loss count) into the class
    day rows; returns how many were written."""
    by_row = _by_row(((cos,), o) for cos, o in figures)
    if not by_row:
        return 0
    empty = DayArrays.blank().pack()  # a class row has no bitmaps: the day row holds them
    for row in _locked_rows(db, ClassDay, set(by_row), ("circuit_id", "day", "cos")):
        arrays = DayArrays.unpack(empty["up"], empty["unknown"], row.rtt_ms, row.jitter_ms,
                                  row.loss)
        for minute, observation in by_row[row.circuit_id, row.day, row.cos]:
            _merge(arrays, observation, minute)
        packed = arrays.pack()
        row.rtt_ms, row.jitter_ms, row.loss = packed["rtt_ms"], packed["jitter_ms"], packed["loss"]
    db.flush()
    return len(by_row)


def purge(db: Session, *, keep_days: int, today: date | None = None) -> int:
    """Delete day rows (and their class rows) older than ``keep_days`` days before
    ``today`` (UTC); returns how many day rows went."""
    if keep_days < 1:
        raise errors.invalid_period("keep_days", "keep at least one day")
    cutoff = (today or utcnow().date()) - timedelta(days=keep_days)
    db.execute(delete(ClassDay).where(ClassDay.day < cutoff)
               .execution_options(synchronize_session=False))
    stale = delete(CircuitDay).where(CircuitDay.day < cutoff)
    result = db.execute(stale.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
