"""Changing and removing inventory objects: providers, sites, devices, circuits and
maintenance windows.

Every change is checked against the stored object and its neighbours before anything
is written (a 422 naming the field, or a 409), then applied and audited with the
object's shape before and after, in the caller's transaction (``store.update``). A
removal (``store.delete``) is refused (409, listing what still refers to the object)
while any row points at it, whatever plane that row belongs to (see
:class:`controlplane.rows.PlaneRows`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from network import errors
from network.errors import store
from network.inventory.models import Circuit, Device, Maintenance, Provider, Site
from network.inventory.platforms import Platform, interface_error
from network.inventory.schemas import (
    CircuitRead,
    CircuitUpdate,
    DeviceRead,
    DeviceUpdate,
    MaintenanceRead,
    MaintenanceUpdate,
    ProviderRead,
    ProviderUpdate,
    SiteRead,
    SiteUpdate,
)
from network.ipam.models import Vrf

# --- providers -----------------------------------------------------------------------


def update_provider(db: Session, provider: Provider, data: ProviderUpdate, *,
                    actor: str) -> Provider:
    """Rename a provider (409 if the name is taken), change its contract or contacts."""
    values = data.changes()
    renamed = data.name is not None and data.name != provider.name
    if renamed and store.find(db, Provider, data.name) is not None:
        raise errors.duplicate("provider", "name", data.name)
    if data.contacts is not None:
        values["contacts"] = [c.model_dump(exclude_none=True) for c in data.contacts]
    return store.update(db, provider, values, actor=actor, read=ProviderRead)


# --- sites ---------------------------------------------------------------------------


def update_site(db: Session, site: Site, data: SiteUpdate, *, actor: str) -> Site:
    """Rename a site, change its address, department or service class."""
    return store.update(db, site, data.changes(), actor=actor, read=SiteRead)


# --- devices -------------------------------------------------------------------------


def _check_interface(field: str, platform: Platform, name: str | None) -> None:
    if name is not None and (reason := interface_error(platform, name)) is not None:
        raise errors.invalid(field, reason)


def update_device(db: Session, device: Device, data: DeviceUpdate, *, actor: str) -> Device:
    """Re-address a router, change its credential reference, AS number, LAN interface or
    platform (every interface name stored for it must then be one of the new platform's)."""
    values = data.changes()
    platform = data.platform or Platform(device.platform)
    lan = values.get("lan_interface", device.lan_interface)
    if "lan_interface" in values and lan is not None and device.site_id is None:
        raise errors.invalid("lan_interface", "only a CE at a site has a LAN interface")
    _check_interface("lan_interface" if "lan_interface" in values else "platform", platform, lan)
    if data.platform is not None and data.platform.value != device.platform:
        ends = db.scalars(select(Circuit).where(
            or_(Circuit.a_device_id == device.id, Circuit.z_device_id == device.id)))
        for circuit in ends:
            name = circuit.a_interface if circuit.a_device_id == device.id else circuit.z_interface
            if name is not None and (reason := interface_error(platform, name)) is not None:
                raise errors.invalid("platform", f"circuit {circuit.ref}: {reason}")
    return store.update(db, device, values, actor=actor, read=DeviceRead)


# --- circuits ------------------------------------------------------------------------


def update_circuit(db: Session, circuit: Circuit, data: CircuitUpdate, *,
                   actor: str) -> Circuit:
    """Change a circuit's rates, profile, class, status, ports, VLAN or VRF; the
    committed rate stays within the bandwidth, ports are the end devices' interfaces."""
    values = data.changes()
    bandwidth = values.get("bandwidth_mbps", circuit.bandwidth_mbps)
    committed = values.get("committed_mbps", circuit.committed_mbps)
    if committed > bandwidth:
        field = "committed_mbps" if "committed_mbps" in values else "bandwidth_mbps"
        raise errors.invalid(field, f"the committed rate ({committed} Mbit/s) exceeds the "
                                    f"bandwidth ({bandwidth} Mbit/s)")
    for field, device in (("a_interface", circuit.a_device), ("z_interface", circuit.z_device)):
        if values.get(field) is None:
            continue
        if device is None:
            raise errors.invalid(field, "an interface needs the device at that end")
        _check_interface(field, Platform(device.platform), values[field])
    if "vrf" in values:
        vrf = store.reference(db, Vrf, data.vrf, field="vrf") if data.vrf else None
        if vrf is not None and vrf.tenant_id != circuit.tenant_id:
            raise errors.invalid("vrf", f"VRF {vrf.name} is not a VRF of the circuit's tenant")
        del values["vrf"]
        circuit.vrf = vrf
    return store.update(db, circuit, values, actor=actor, read=CircuitRead)


# --- maintenance windows -------------------------------------------------------------


def update_maintenance(db: Session, window: Maintenance, data: MaintenanceUpdate, *,
                       actor: str) -> Maintenance:
    """Move, extend or re-explain a window (it still ends after it starts)."""
    starts_at, ends_at = data.window(window.starts_at, window.ends_at)
    if ends_at <= starts_at:
        field = "ends_at" if data.ends_at is not None else "starts_at"
        raise errors.invalid(field, "a window ends after it starts")
    values: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at}
    if data.reason is not None:
        values["reason"] = data.reason
    return store.update(db, window, values, actor=actor, read=MaintenanceRead)
