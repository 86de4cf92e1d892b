"""Which devices are polled and which circuits observed (audited changes), and the
listings of monitors with their last poll status."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.rows import snapshot
from network import errors
from network.errors import store
from network.inventory.models import Circuit, Device
from network.polling.models import CircuitMonitor, DeviceMonitor
from network.polling.schemas import (
    CircuitMonitorRead,
    CircuitMonitorSet,
    DeviceMonitorRead,
    DeviceMonitorSet,
    PollState,
)


def set_device_monitor(
    db: Session, hostname: str, data: DeviceMonitorSet, *, actor: str
) -> DeviceMonitor:
    """Poll device ``hostname`` as ``data`` says (created, or changed keeping its status)."""
    device = store.by_key(db, Device, hostname)
    row = db.get(DeviceMonitor, device.id)
    before = snapshot(row, DeviceMonitorRead) if row is not None else None
    if row is None:
        row = DeviceMonitor(device=device, tenant=device.tenant, state=PollState.UNKNOWN.value,
                            failures=0)
        db.add(row)
    row.snmp_host, row.snmp_port, row.enabled = data.snmp_host, data.snmp_port, data.enabled
    db.flush()
    store.record(db, row, actor=actor, verb="update" if before else "create",
                 read=DeviceMonitorRead, before=before)
    return row


def set_circuit_monitor(
    db: Session, ref: str, data: CircuitMonitorSet, *, actor: str
) -> CircuitMonitor:
    """Observe circuit ``ref`` as ``data`` says: its ifIndex on the A-end device (which
    must exist) and its probe reflector."""
    circuit = store.by_key(db, Circuit, ref)
    if data.if_index is not None and circuit.a_device_id is None:
        raise errors.invalid("if_index", f"circuit {ref} has no A-end device to poll")
    row = db.get(CircuitMonitor, circuit.id)
    before = snapshot(row, CircuitMonitorRead) if row is not None else None
    if row is None:
        row = CircuitMonitor(circuit=circuit, tenant=circuit.tenant)
        db.add(row)
    row.if_index, row.probe_host, row.probe_port = data.if_index, data.probe_host, data.probe_port
    db.flush()
    store.record(db, row, actor=actor, verb="update" if before else "create",
                 read=CircuitMonitorRead, before=before)
    return row


def device_monitor_query(*, state: PollState | None = None) -> Select[tuple[DeviceMonitor]]:
    """Polled devices by hostname, optionally only those in ``state``."""
    stmt = select(DeviceMonitor).join(Device, Device.id == DeviceMonitor.device_id)
    if state is not None:
        stmt = stmt.where(DeviceMonitor.state == state.value)
    return stmt.order_by(Device.hostname)


def circuit_monitor_query() -> Select[tuple[CircuitMonitor]]:
    """Observed circuits by ref."""
    return (select(CircuitMonitor).join(Circuit, Circuit.id == CircuitMonitor.circuit_id)
            .order_by(Circuit.ref))
