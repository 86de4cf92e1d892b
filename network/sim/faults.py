"""The faults the network's simulators honour (``socle sim fault inject KIND TARGET``).

- ``bgp-down DEVICE [--neighbour ADDRESS]``: the router's BGP sessions (or only the one to
  ADDRESS) stay Active, whatever its configuration: an MPLS→THD migration waiting for the
  THD session then times out and keeps the MPLS access.
- ``circuit-down CIRCUIT|SITE``: everything reached over that access goes silent, as on
  a single-homed site whose management is in-band: the routers' SSH and SNMP agents and
  the circuits' probe targets (a site: every device and circuit of it).
- ``slow-link CIRCUIT --delay-ms D --loss-pct L``: the circuit's probes are delayed and
  lost (the device still answers its polls).
- ``interface-down DEVICE --interface NAME|IFINDEX``: the interface reads down(2) in the
  device's SNMP agent and the probes of the circuits it carries go unanswered, while the
  device itself still answers (a dual-homed site, or out-of-band management).
- ``snmp-auth DEVICE``: the device's SNMP agent refuses Socle's credentials (every
  request reaches it with a wrong digest; it answers with a report); its probes still
  answer.
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
from network.sim.fault_kinds import BGP_DOWN, CIRCUIT_DOWN, INTERFACE_DOWN, SLOW_LINK, SNMP_AUTH


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


def _snmp_endpoint(db: Session, device: Device) -> str:
    monitor = db.get(DeviceMonitor, device.id)
    if monitor is None:
        raise InvalidInput.on("target", f"{device.hostname} is not polled (no SNMP monitor)")
    return f"{monitor.snmp_host or device.mgmt_address}:{monitor.snmp_port}"


def _snmp_auth(db: Session, target: str,
               options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    return {"endpoint": [_snmp_endpoint(db, _device(db, target))]}


def _interface_down(db: Session, target: str,
                    options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    device = _device(db, target)
    named = str(options.get("interface") or "").strip()
    if not named:
        raise InvalidInput.on("interface", "give --interface NAME or its ifIndex")
    carried = [(circuit, db.get(CircuitMonitor, circuit.id)) for circuit in db.scalars(
        select(Circuit).where(Circuit.a_device_id == device.id))]
    if named.isdigit():
        if_index = int(named)
    else:
        known = {m.if_index for c, m in carried if c.a_interface == named and m and m.if_index}
        if len(known) != 1:
            raise InvalidInput.on("interface", f"{device.hostname} carries no monitored "
                                  f"circuit on {named!r}: give its ifIndex")
        (if_index,) = known
    circuits = [c for c, m in carried if m is not None and m.if_index == if_index]
    return {"interface": [f"{_snmp_endpoint(db, device)}/{if_index}"],
            "endpoint": sorted({e for c in circuits if (e := _probe_endpoint(db, c))})}


FAULT_KINDS = (
    FaultKind(BGP_DOWN, "a router's BGP sessions (or one neighbour's) stay down", _bgp_down,
              options=("neighbour",)),
    FaultKind(CIRCUIT_DOWN, "everything reached over a circuit (or a site's circuits) goes "
              "silent: routers' SSH and SNMP, probe targets", _circuit_down),
    FaultKind(SLOW_LINK, "a circuit's probes are delayed and lost", _slow_link,
              options=("delay_ms", "loss_pct")),
    FaultKind(INTERFACE_DOWN, "one interface of a device goes down (and its circuits' "
              "probes with it); the device still answers", _interface_down,
              options=("interface",)),
    FaultKind(SNMP_AUTH, "a device's SNMP agent refuses Socle's credentials", _snmp_auth),
)
