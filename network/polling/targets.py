"""What a poller process polls: the enabled device monitors of its shard, as SNMP
targets, the circuits each device carries (interface index per circuit), and which of
those circuits a maintenance window holds now (on the circuit or its provider).

Devices are spread over ``count`` shards by a stable hash of their id (the same in
every process and every run, unlike Python's ``hash``), so several worker processes,
each given ``--shard i/n``, poll disjoint sets that together cover every device.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from network.drivers.snmp_types import SnmpTarget, V2cCredentials, V3Credentials
from network.inventory.models import Circuit, Device, Maintenance
from network.polling.models import CircuitMonitor, DeviceMonitor

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: need 1 <= i <= n")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"i/n"`` → Shard(i, n); ValueError if malformed."""
        match = _SHARD.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a shard i/n")
        return cls(int(match.group(1)), int(match.group(2)))

    def owns(self, device_id: int) -> bool:
        """True if the device belongs to this shard."""
        return shard_of(device_id, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(device_id: int, count: int) -> int:
    """The 1-based shard of ``device_id`` among ``count`` (stable across processes)."""
    digest = hashlib.blake2b(str(device_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


@dataclass(frozen=True)
class WatchedCircuit:
    """A circuit observed on an interface of a polled device."""

    circuit_id: int
    ref: str
    if_index: int


@dataclass(frozen=True)
class PollPlan:
    """The targets of one cycle (``device`` is the hostname) and, per hostname, the
    device id and the circuits it carries; ``in_maintenance``: the refs of the watched
    circuits a maintenance window holds when the plan was loaded."""

    targets: list[SnmpTarget]
    device_ids: dict[str, int]
    circuits: dict[str, list[WatchedCircuit]] = field(default_factory=dict)
    in_maintenance: frozenset[str] = frozenset()


def load_plan(
    db: Session,
    shard: Shard,
    credentials: V2cCredentials | V3Credentials,
    *,
    timeout: float,
    retries: int,
    now: datetime | None = None,
) -> PollPlan:
    """The enabled monitors of ``shard`` as targets, with their circuits and which of
    them are in maintenance at ``now`` (default: now)."""
    rows = db.execute(
        select(DeviceMonitor.device_id, Device.hostname, Device.mgmt_address,
               DeviceMonitor.snmp_host, DeviceMonitor.snmp_port)
        .join(Device, Device.id == DeviceMonitor.device_id)
        .where(DeviceMonitor.enabled.is_(True))
        .order_by(Device.hostname)
    ).all()
    mine = [row for row in rows if shard.owns(row.device_id)]
    watched = db.execute(
        select(Circuit.a_device_id, Circuit.id, Circuit.ref, CircuitMonitor.if_index,
               Circuit.provider_id)
        .join(CircuitMonitor, CircuitMonitor.circuit_id == Circuit.id)
        .where(CircuitMonitor.if_index.is_not(None),
               Circuit.a_device_id.in_([row.device_id for row in mine]))
        .order_by(Circuit.ref)
    ).all()
    by_device: dict[int, list[WatchedCircuit]] = {}
    for device_id, circuit_id, ref, if_index, _provider in watched:
        by_device.setdefault(device_id, []).append(WatchedCircuit(circuit_id, ref, if_index))
    targets, device_ids, circuits = [], {}, {}
    for row in mine:
        circuits_here = by_device.get(row.device_id, [])
        highest = max((c.if_index for c in circuits_here), default=8)
        targets.append(SnmpTarget(
            row.hostname, row.snmp_host or row.mgmt_address, credentials, port=row.snmp_port,
            timeout=timeout, retries=retries, max_repetitions=max(9, highest + 1),
        ))
        device_ids[row.hostname] = row.device_id
        circuits[row.hostname] = circuits_here
    return PollPlan(targets, device_ids, circuits, _in_maintenance(db, watched, now or utcnow()))


def _in_maintenance(db: Session, watched: Sequence[Row[Any]], now: datetime) -> frozenset[str]:
    """The refs among ``watched`` (rows ending with circuit id, ref, if_index, provider id)
    that a window open at ``now`` holds, on the circuit or on its provider's network."""
    if not watched:
        return frozenset()
    open_now = db.execute(select(Maintenance.circuit_id, Maintenance.provider_id).where(
        Maintenance.starts_at <= now, Maintenance.ends_at > now,
        or_(Maintenance.circuit_id.in_({row[1] for row in watched}),
            Maintenance.provider_id.in_({row[4] for row in watched})))).all()
    circuits = {circuit for circuit, _ in open_now if circuit is not None}
    providers = {provider for _, provider in open_now if provider is not None}
    return frozenset(row[2] for row in watched if row[1] in circuits or row[4] in providers)
