"""What a poller process polls: the enabled device monitors of its shard, as SNMP
targets, and the circuits each device carries (interface index per circuit).

Devices are spread over ``count`` shards by a stable hash of their id (the same in
every process and every run, unlike Python's ``hash``), so several worker processes,
each given ``--shard i/n``, poll disjoint sets that together cover every device.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from network.drivers.snmp_types import SnmpTarget, V2cCredentials, V3Credentials
from network.inventory.models import Circuit, Device
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
    device id and the circuits it carries."""

    targets: list[SnmpTarget]
    device_ids: dict[str, int]
    circuits: dict[str, list[WatchedCircuit]] = field(default_factory=dict)


def load_plan(
    db: Session,
    shard: Shard,
    credentials: V2cCredentials | V3Credentials,
    *,
    timeout: float,
    retries: int,
) -> PollPlan:
    """The enabled monitors of ``shard`` as targets, with their circuits."""
    rows = db.execute(
        select(DeviceMonitor.device_id, Device.hostname, Device.mgmt_address,
               DeviceMonitor.snmp_host, DeviceMonitor.snmp_port)
        .join(Device, Device.id == DeviceMonitor.device_id)
        .where(DeviceMonitor.enabled.is_(True))
        .order_by(Device.hostname)
    ).all()
    mine = [row for row in rows if shard.owns(row.device_id)]
    watched = db.execute(
        select(Circuit.a_device_id, Circuit.id, Circuit.ref, CircuitMonitor.if_index)
        .join(CircuitMonitor, CircuitMonitor.circuit_id == Circuit.id)
        .where(CircuitMonitor.if_index.is_not(None),
               Circuit.a_device_id.in_([row.device_id for row in mine]))
        .order_by(Circuit.ref)
    ).all()
    by_device: dict[int, list[WatchedCircuit]] = {}
    for device_id, circuit_id, ref, if_index in watched:
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
    return PollPlan(targets, device_ids, circuits)
