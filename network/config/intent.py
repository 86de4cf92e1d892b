"""The intended configuration of every CE router, from the inventory, in a fixed number of
queries (devices, their circuits, the prefixes of those, the management pools) however
many routers there are.

A router whose intent cannot be rendered (missing inventory, no template) gets an
:class:`Intent` carrying the error: it is never taken as compliant.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from controlplane.settings import get_settings
from network.config import render
from network.drivers.ssh_types import Endpoint
from network.inventory.models import Circuit, Device
from network.inventory.platforms import Platform
from network.inventory.schemas import CircuitStatus, CosProfile, DeviceRole
from network.ipam.models import Prefix, PrefixPool
from network.ipam.schemas import PoolRole


@dataclass(frozen=True)
class Intent:
    """A router's intended configuration (``text``), or why there is none (``error``)."""

    device_id: int
    tenant_id: int | None
    hostname: str
    platform: str
    endpoint: Endpoint
    credential_ref: str
    text: str | None = None
    error: str | None = None
    owned_interfaces: tuple[str, ...] = field(default=())


def endpoint(device: Device) -> Endpoint:
    """Where and as whom Socle logs in to ``device``."""
    return Endpoint(
        name=device.hostname,
        platform=device.platform,
        host=device.mgmt_address,
        port=device.mgmt_port,
        username=device.username,
    )


def _vrf(circuit: Circuit) -> render.Vrf | None:
    if circuit.vrf is None:
        return None
    vrf = circuit.vrf
    return render.Vrf(vrf.name, vrf.rd, tuple(vrf.import_targets), tuple(vrf.export_targets))


def _circuit_view(
    circuit: Circuit, interconnect: IPv4Network | None, status: CircuitStatus
) -> render.CircuitView:
    pe = circuit.z_device
    return render.CircuitView(
        ref=circuit.ref,
        provider=circuit.provider.name,
        access=circuit.access,
        status=status,
        interface=circuit.a_interface,
        vlan=circuit.vlan,
        cos_profile=CosProfile(circuit.cos_profile),
        committed_mbps=circuit.committed_mbps,
        bandwidth_mbps=circuit.bandwidth_mbps,
        vrf=_vrf(circuit),
        interconnect=interconnect,
        pe=pe.hostname if pe else None,
        pe_asn=pe.asn if pe else None,
    )


@dataclass
class _SitePlan:
    """What the IP plan gave a site: its IPv4 LAN, IPv6 LAN and loopback. The first of
    each in address order, except that a prefix of the expected length wins over one of
    another length (which otherwise reaches the renderer, and is reported there)."""

    lan: IPv4Network | None = None
    lan6: IPv6Network | None = None
    loopback: IPv4Network | None = None

    def add(self, role: str, network: IPv4Network | IPv6Network) -> None:
        """Take ``network``, allocated to the site from a pool of ``role``, if it fits."""
        if isinstance(network, IPv6Network):
            if role == PoolRole.SITE_LAN.value and _better(self.lan6, network, render.LAN6_LENGTH):
                self.lan6 = network
        elif role == PoolRole.SITE_LAN.value:
            self.lan = self.lan or network
        elif role == PoolRole.LOOPBACK.value and _better(
            self.loopback, network, render.LOOPBACK_LENGTH
        ):
            self.loopback = network


def _better(
    current: IPv4Network | IPv6Network | None, candidate: IPv4Network | IPv6Network, length: int
) -> bool:
    """True when ``candidate`` replaces ``current``: none yet, or only it has ``length``."""
    return current is None or (current.prefixlen != length and candidate.prefixlen == length)


def intents(
    db: Session,
    *,
    hostnames: Collection[str] | None = None,
    statuses: Mapping[int, CircuitStatus] | None = None,
) -> dict[str, Intent]:
    """Every CE router's intent by hostname (only ``hostnames`` when given).

    ``statuses`` overrides circuits' status by id: the phases of a migration render the
    router as if the new circuit were active, then as if the old one were retired.
    """
    overrides = statuses or {}
    stmt = select(Device).where(Device.role == DeviceRole.CE.value).order_by(Device.hostname)
    if hostnames is not None:
        stmt = stmt.where(Device.hostname.in_(list(hostnames)))
    devices = list(db.scalars(stmt))
    circuits = list(
        db.scalars(
            select(Circuit)
            .where(Circuit.a_device_id.in_([d.id for d in devices]))
            .order_by(Circuit.ref)
        )
    )
    site_ids = {d.site_id for d in devices if d.site_id is not None}
    prefixes = list(
        db.scalars(
            select(Prefix)
            .where(
                or_(
                    Prefix.circuit_id.in_([c.id for c in circuits]),
                    Prefix.site_id.in_(sorted(site_ids)) & Prefix.circuit_id.is_(None),
                )
            )
            .order_by(Prefix.family, Prefix.start_key)
        )
    )
    management = render.networks(
        db.scalars(
            select(PrefixPool.prefix)
            .where(PrefixPool.role == PoolRole.MANAGEMENT.value)
            .order_by(PrefixPool.start_key)
        ).all()
    )
    interconnects: dict[int, IPv4Network] = {}
    sites: dict[int, _SitePlan] = defaultdict(_SitePlan)
    for prefix in prefixes:
        network = ipaddress.ip_network(prefix.prefix)
        if prefix.circuit_id is not None:
            if isinstance(network, IPv4Network):
                interconnects.setdefault(prefix.circuit_id, network)
        elif prefix.site_id is not None:
            sites[prefix.site_id].add(prefix.role, network)
    by_device: dict[int, list[render.CircuitView]] = defaultdict(list)
    for circuit in circuits:
        status = overrides.get(circuit.id, CircuitStatus(circuit.status))
        assert circuit.a_device_id is not None
        by_device[circuit.a_device_id].append(
            _circuit_view(circuit, interconnects.get(circuit.id), status)
        )
    snmp_user = get_settings().network_snmp_user
    return {
        device.hostname: _intent(
            device,
            by_device[device.id],
            sites.get(device.site_id or 0, _SitePlan()),
            management,
            snmp_user,
        )
        for device in devices
    }


def _intent(
    device: Device,
    circuits: list[render.CircuitView],
    site: _SitePlan,
    management: tuple[IPv4Network, ...],
    snmp_user: str,
) -> Intent:
    base = Intent(
        device_id=device.id,
        tenant_id=device.tenant_id,
        hostname=device.hostname,
        platform=device.platform,
        endpoint=endpoint(device),
        credential_ref=device.credential_ref,
    )
    view = render.DeviceView(
        hostname=device.hostname,
        platform=Platform(device.platform),
        asn=device.asn,
        site=device.site.code if device.site else "",
        lan_interface=device.lan_interface,
        lan=site.lan,
        circuits=tuple(circuits),
        mgmt_networks=management,
        snmp_user=snmp_user,
        loopback=site.loopback,
        lan6=site.lan6,
    )
    try:
        context = render.build_context(view)
        text = render.render(context)
    except render.IntentError as exc:
        return replace(base, error=str(exc))
    return replace(base, text=text, owned_interfaces=tuple(context.owned_interfaces))
