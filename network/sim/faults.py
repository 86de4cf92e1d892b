"""The faults the network's simulators honour (``socle sim fault inject KIND TARGET``).

- ``bgp-down DEVICE [--neighbour ADDRESS]``: the router's BGP sessions (or only the one to
  ADDRESS) stay Active, whatever its configuration: an MPLS→THD migration waiting for the
  THD session then times out and keeps the MPLS access.
- ``circuit-down CIRCUIT|SITE``: everything reached over that access goes silent, as on
  a single-homed site whose management is in-band: the routers' SSH and SNMP agents and
  the circuits' probe targets (a site: every device and circuit of it).
- ``slow-link CIRCUIT --delay-ms D --loss-pct L``: the circuit's probes are delayed and
  lost (the device still answers its polls).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.errors import InvalidInput
from controlplane.faults import FaultKind
from network.inventory.models import Circuit, Device, Site
from network.polling.models import CircuitMonitor, DeviceMonitor
from network.sim.fault_kinds import BGP_DOWN, CIRCUIT_DOWN, SLOW_LINK


def _device(db: Session, hostname: str) -> Device:
    device = db.scalar(select(Device).where(Device.hostname == hostname.strip().lower()))
    if device is None:
        raise InvalidInput.on("target", f"no device {hostname!r}")
    return device


def _bgp_down(db: Session, target: str,
              options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    neighbour = options.get("neighbour")
    if neighbour is not None:
        try:
            ipaddress.ip_address(neighbour)
        except ValueError:
            raise InvalidInput.on("neighbour", f"{neighbour!r} is not an IP address") from None
    device = _device(db, target)
    return {"ssh": [f"{device.mgmt_address}:{device.mgmt_port}"]}


def _access(db: Session, target: str) -> tuple[list[Circuit], list[Device]]:
    """The circuits a circuit ref or a site code names, and the devices at their ends."""
    circuit = db.scalar(select(Circuit).where(Circuit.ref == target.strip()))
    if circuit is not None:
        return [circuit], [circuit.a_device] if circuit.a_device else []
    site = db.scalar(select(Site).where(Site.code == target.strip().upper()))
    if site is None:
        raise InvalidInput.on("target", f"no circuit or site {target!r}")
    circuits = list(db.scalars(select(Circuit).where(Circuit.site_id == site.id)))
    return circuits, list(db.scalars(select(Device).where(Device.site_id == site.id)))


def _probe_endpoint(db: Session, circuit: Circuit) -> str | None:
    monitor = db.get(CircuitMonitor, circuit.id)
    if monitor is None or not monitor.probe_host or not monitor.probe_port:
        return None
    return f"{monitor.probe_host}:{monitor.probe_port}"


def _circuit_down(db: Session, target: str,
                  options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    circuits, devices = _access(db, target)
    endpoints = {f"{d.mgmt_address}:{d.mgmt_port}" for d in devices}
    for device in devices:
        monitor = db.get(DeviceMonitor, device.id)
        if monitor is not None:
            endpoints.add(f"{monitor.snmp_host or device.mgmt_address}:{monitor.snmp_port}")
    endpoints |= {e for c in circuits if (e := _probe_endpoint(db, c))}
    return {"endpoint": sorted(endpoints)}


def _slow_link(db: Session, target: str,
               options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    delay, loss = options.get("delay_ms"), options.get("loss_pct")
    if delay is None and loss is None:
        raise InvalidInput.on("delay_ms", "give --delay-ms and/or --loss-pct")
    if delay is not None and not 0 <= delay <= 60_000:
        raise InvalidInput.on("delay_ms", "a delay within 0..60000 ms")
    if loss is not None and not 0 <= loss <= 100:
        raise InvalidInput.on("loss_pct", "a loss within 0..100 %")
    circuit = db.scalar(select(Circuit).where(Circuit.ref == target.strip()))
    if circuit is None:
        raise InvalidInput.on("target", f"no circuit {target!r}")
    endpoint = _probe_endpoint(db, circuit)
    if endpoint is None:
        raise InvalidInput.on("target", f"{target} has no probe target to slow down")
    return {"endpoint": [endpoint]}


FAULT_KINDS = (
    FaultKind(BGP_DOWN, "a router's BGP sessions (or one neighbour's) stay down", _bgp_down,
              options=("neighbour",)),
    FaultKind(CIRCUIT_DOWN, "everything reached over a circuit (or a site's circuits) goes "
              "silent: routers' SSH and SNMP, probe targets", _circuit_down),
    FaultKind(SLOW_LINK, "a circuit's probes are delayed and lost", _slow_link,
              options=("delay_ms", "loss_pct")),
)
