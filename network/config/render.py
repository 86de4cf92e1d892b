"""Intended configuration of a CE router: a typed context, built from the inventory by
pure functions, rendered by the platform's Jinja2 template (``network/config/templates/``).

Every decision lives here (which interfaces, VRFs, BGP sessions, QoS classes and ACL
entries a router gets; how a platform names a sub-interface); the templates only spell
the context in their platform's syntax, so a network engineer can read and change them.
Secrets never enter the context: the SNMPv3 keys are placeholders (:mod:`network.secrets`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from ipaddress import IPv4Interface, IPv4Network, IPv6Interface, IPv6Network
from pathlib import Path

import jinja2

from network import secrets
from network.inventory.platforms import Platform
from network.inventory.schemas import CircuitStatus, CosProfile

TEMPLATES = Path(__file__).parent / "templates"
PREFIX = "SOCLE-"  # names Socle owns on a router (ACL, policies, class maps) start with it
MGMT_ACL = f"{PREFIX}MGMT"
SNMP_GROUP = f"{PREFIX}MON"
SNMP_VIEW = f"{PREFIX}RO"


class IntentError(ValueError):
    """The inventory lacks what a router's intended configuration needs (never compliant)."""


@dataclass(frozen=True)
class QosClass:
    """A traffic class of a class-of-service profile: DSCP values and its share."""

    name: str
    dscp: tuple[str, ...]
    percent: int
    priority: bool = False


REALTIME = QosClass(f"{PREFIX}REALTIME", ("ef", "cs5"), 30, priority=True)
BUSINESS = QosClass(f"{PREFIX}BUSINESS", ("af31", "af32", "af33", "cs3"), 50)
QOS_PROFILES: dict[CosProfile, tuple[QosClass, ...]] = {
    CosProfile.BEST_EFFORT: (),
    CosProfile.BUSINESS: (QosClass(BUSINESS.name, BUSINESS.dscp, 60),),
    CosProfile.REALTIME: (REALTIME, BUSINESS),
}


@dataclass(frozen=True)
class QosPolicy:
    """The queuing policy of one profile, under a shaper at the circuit's committed rate."""

    name: str
    profile: str
    classes: tuple[QosClass, ...]
    shaper: str
    rate_mbps: int


@dataclass(frozen=True)
class Interface:
    """A configured interface: ``name`` as the platform spells it (IOS sub-interface
    ``Gi0/1.100``; Junos physical ``ge-0/0/1`` with ``unit``); ``loopback`` for the
    router's loopback (``Loopback0``, Junos ``lo0``)."""

    name: str
    unit: int
    vlan: int | None
    description: str
    vrf: str | None = None
    address: IPv4Interface | None = None
    qos: QosPolicy | None = None
    enabled: bool = True
    address6: IPv6Interface | None = None
    loopback: bool = False


@dataclass(frozen=True)
class Vrf:
    """A VRF with its RD and import/export route targets (from the VPN plan)."""

    name: str
    rd: str
    imports: tuple[str, ...]
    exports: tuple[str, ...]


@dataclass(frozen=True)
class BgpNeighbor:
    """An eBGP session towards a PE, in a VRF."""

    vrf: str
    address: str
    remote_as: int
    description: str


@dataclass(frozen=True)
class Bgp:
    """BGP towards the PEs: one address family per VRF, the LAN announced."""

    asn: int
    router_id: str
    neighbors: tuple[BgpNeighbor, ...]
    networks: tuple[tuple[str, IPv4Network], ...]  # (vrf, prefix): the LAN, the loopback

    @property
    def vrfs(self) -> list[str]:
        """VRFs with a BGP session, in order."""
        return sorted({n.vrf for n in self.neighbors})


@dataclass(frozen=True)
class Snmp:
    """The SNMPv3 user of the monitoring plane; keys are placeholders, never values."""

    user: str
    group: str = SNMP_GROUP
    view: str = SNMP_VIEW
    auth_key: str = secrets.placeholder(secrets.SNMP_AUTH)
    priv_key: str = secrets.placeholder(secrets.SNMP_PRIV)


@dataclass(frozen=True)
class DeviceContext:
    """Everything a template needs for one router."""

    hostname: str
    platform: Platform
    interfaces: tuple[Interface, ...]
    vrfs: tuple[Vrf, ...]
    bgp: Bgp | None
    qos: tuple[QosPolicy, ...]
    mgmt_networks: tuple[IPv4Network, ...]
    snmp: Snmp
    retired_interfaces: tuple[str, ...] = ()
    mgmt_acl: str = MGMT_ACL

    @property
    def qos_classes(self) -> list[QosClass]:
        """Every class the router's policies use, once."""
        return list({c.name: c for policy in self.qos for c in policy.classes}.values())

    @property
    def route_targets(self) -> list[str]:
        """Every route target the VRFs import or export, once, sorted."""
        return sorted({rt for vrf in self.vrfs for rt in (*vrf.imports, *vrf.exports)})

    @property
    def owned_interfaces(self) -> list[str]:
        """Interfaces Socle manages on this router (the others are left alone)."""
        return sorted({i.name for i in self.interfaces} | set(self.retired_interfaces))

    @property
    def ipv6(self) -> bool:
        """True when an interface has an IPv6 address: IPv6 routing is then enabled."""
        return any(i.address6 for i in self.interfaces)

    @property
    def ipv6_vrfs(self) -> list[str]:
        """VRFs with an IPv6 interface (their IPv6 address family is enabled), sorted."""
        return sorted({i.vrf for i in self.interfaces if i.address6 and i.vrf})


# --- the inventory, as the builder sees it --------------------------------------------


@dataclass(frozen=True)
class CircuitView:
    """A circuit ending on the router, with what its configuration needs."""

    ref: str
    provider: str
    access: str
    status: CircuitStatus
    interface: str | None
    vlan: int | None
    cos_profile: CosProfile
    committed_mbps: int
    bandwidth_mbps: int
    vrf: Vrf | None
    interconnect: IPv4Network | None
    pe: str | None
    pe_asn: int | None


@dataclass(frozen=True)
class DeviceView:
    """A CE router and what the inventory says around it: ``loopback`` (a /32) and
    ``lan6`` (the site's IPv6 LAN, a /64) when the IP plan allocated them."""

    hostname: str
    platform: Platform
    asn: int | None
    site: str
    lan_interface: str | None
    lan: IPv4Network | None
    circuits: tuple[CircuitView, ...]
    mgmt_networks: tuple[IPv4Network, ...]
    snmp_user: str
    problems: tuple[str, ...] = field(default=())
    loopback: IPv4Network | None = None
    lan6: IPv6Network | None = None


LOOPBACK_LENGTH = 32
LAN6_LENGTH = 64


def _interface_name(platform: Platform, name: str, vlan: int | None) -> tuple[str, int]:
    """(configured name, Junos unit): IOS tags a VLAN on a sub-interface, Junos on a unit."""
    if platform is Platform.JUNIPER_JUNOS:
        return name, vlan or 0
    return (f"{name}.{vlan}" if vlan else name), 0


def _qos(circuit: CircuitView) -> QosPolicy:
    profile = circuit.cos_profile
    name = f"{PREFIX}QOS-{profile.value.upper()}"
    return QosPolicy(
        name=name,
        profile=profile.value,
        classes=QOS_PROFILES[profile],
        shaper=f"{PREFIX}SHAPE-{circuit.committed_mbps}M-{profile.value.upper()}",
        rate_mbps=circuit.committed_mbps,
    )


def _circuit_problems(circuit: CircuitView, device: DeviceView) -> list[str]:
    missing = [
        (circuit.interface is None, "has no CE interface (a_interface)"),
        (circuit.vrf is None, "carries no VRF"),
        (circuit.interconnect is None, "has no interconnect prefix"),
        (circuit.pe is None or circuit.pe_asn is None, "has no PE with an AS number (z_device)"),
        (device.asn is None, f"ends on {device.hostname}, which has no AS number"),
    ]
    return [f"circuit {circuit.ref} {why}" for failed, why in missing if failed]


def interconnect_hosts(network: IPv4Network) -> tuple[IPv4Interface, str]:
    """(CE address with its length, PE address) on an interconnect: first two hosts."""
    hosts = list(network.hosts()) if network.prefixlen < 31 else list(network)
    return IPv4Interface(f"{hosts[0]}/{network.prefixlen}"), str(hosts[1])


def build_context(device: DeviceView) -> DeviceContext:
    """The template context of one CE; :class:`IntentError` lists what is missing."""
    problems = list(device.problems)
    active = [c for c in device.circuits if c.status is CircuitStatus.ACTIVE]
    for circuit in active:
        problems += _circuit_problems(circuit, device)
    if not device.mgmt_networks:
        problems.append("no management pool: the management ACL would lock Socle out")
    if device.lan_interface and device.lan is None:
        problems.append(f"site {device.site} has no IPv4 site-lan prefix for the LAN")
    if device.loopback is not None and device.loopback.prefixlen != LOOPBACK_LENGTH:
        problems.append(f"loopback {device.loopback} of site {device.site} is not a "
                        f"/{LOOPBACK_LENGTH}")
    if device.lan6 is not None and device.lan6.prefixlen != LAN6_LENGTH:
        problems.append(f"IPv6 site-lan prefix {device.lan6} of site {device.site} is not "
                        f"a /{LAN6_LENGTH}")
    lan_vrfs = {c.vrf.name for c in active if c.vrf}
    if device.lan_interface and len(lan_vrfs) > 1:
        problems.append(f"circuits carry several VRFs ({', '.join(sorted(lan_vrfs))}): "
                        "the LAN's is ambiguous")
    if problems:
        raise IntentError(f"{device.hostname}: " + "; ".join(problems))

    interfaces: list[Interface] = []
    neighbors: list[BgpNeighbor] = []
    for circuit in active:
        assert circuit.interface and circuit.vrf and circuit.interconnect and circuit.pe_asn
        name, unit = _interface_name(device.platform, circuit.interface, circuit.vlan)
        ce, pe = interconnect_hosts(circuit.interconnect)
        interfaces.append(
            Interface(
                name=name,
                unit=unit,
                vlan=circuit.vlan,
                description=f"{circuit.access} {circuit.ref} {circuit.provider} "
                f"{circuit.committed_mbps}/{circuit.bandwidth_mbps}Mbps",
                vrf=circuit.vrf.name,
                address=ce,
                qos=_qos(circuit),
            )
        )
        neighbors.append(
            BgpNeighbor(circuit.vrf.name, pe, circuit.pe_asn, f"{circuit.pe} {circuit.ref}")
        )
    retired = _retire(device, {i.name for i in interfaces}, interfaces)
    networks: list[tuple[str, IPv4Network]] = []
    gateway: IPv4Interface | None = None
    vrf = next(iter(lan_vrfs)) if len(lan_vrfs) == 1 else None
    if device.lan_interface and device.lan is not None:
        gateway = IPv4Interface(f"{next(device.lan.hosts())}/{device.lan.prefixlen}")
        gateway6 = None
        if device.lan6 is not None:  # the first address: ::1 of the /64
            gateway6 = IPv6Interface(f"{next(device.lan6.hosts())}/{device.lan6.prefixlen}")
        name, unit = _interface_name(device.platform, device.lan_interface, None)
        interfaces.append(Interface(name, unit, None, f"LAN {device.site}", vrf, gateway,
                                    address6=gateway6))
        if vrf is not None:
            networks.append((vrf, device.lan))
    if device.loopback is not None:
        interfaces.append(_loopback(device.platform, device.site, device.loopback, vrf))
        if vrf is not None:
            networks.append((vrf, device.loopback))
    vrfs = {c.vrf.name: c.vrf for c in active if c.vrf}
    bgp = None
    if neighbors:
        assert device.asn is not None
        first = next(i.address for i in interfaces if i.address is not None)
        router_id = str((gateway or first).ip)  # the LAN gateway: stable across migrations
        bgp = Bgp(device.asn, router_id, tuple(neighbors), tuple(networks))
    return DeviceContext(
        hostname=device.hostname,
        platform=device.platform,
        interfaces=tuple(interfaces),
        vrfs=tuple(sorted(vrfs.values(), key=lambda v: v.name)),
        bgp=bgp,
        qos=tuple({i.qos.name + i.qos.shaper: i.qos for i in interfaces if i.qos}.values()),
        mgmt_networks=device.mgmt_networks,
        snmp=Snmp(device.snmp_user),
        retired_interfaces=tuple(retired),
    )


def _loopback(platform: Platform, site: str, prefix: IPv4Network, vrf: str | None) -> Interface:
    """The router's loopback, in the LAN's VRF (announced as the LAN is). Junos keeps
    ``lo0.0`` for the master instance and filters a VRF's traffic to the routing engine
    on that VRF's own loopback unit: a loopback in a VRF is ``lo0.1`` there."""
    if platform is Platform.JUNIPER_JUNOS:
        name, unit = "lo0", 0 if vrf is None else 1
    else:
        name, unit = "Loopback0", 0
    address = IPv4Interface(f"{prefix.network_address}/{prefix.prefixlen}")
    return Interface(name, unit, None, f"Loopback {site}", vrf, address, loopback=True)


def _retire(device: DeviceView, in_use: set[str], interfaces: list[Interface]) -> list[str]:
    """Ports of decommissioned circuits: a physical port is parked (shut, unconfigured,
    appended to ``interfaces``); an IOS sub-interface is removed (its name returned)."""
    removed: list[str] = []
    for circuit in device.circuits:
        if circuit.status is not CircuitStatus.DECOMMISSIONED or circuit.interface is None:
            continue
        name, _unit = _interface_name(device.platform, circuit.interface, circuit.vlan)
        if name in in_use:
            continue
        in_use.add(name)
        if device.platform is not Platform.JUNIPER_JUNOS and circuit.vlan:
            removed.append(name)
        else:
            interfaces.append(Interface(name, 0, None, "", enabled=False))
    return removed


# --- rendering -----------------------------------------------------------------------


def _wildcard(network: IPv4Network) -> str:
    return str(network.hostmask)


def _junos_target(value: str) -> str:
    return f"target:{value}"


def _community(value: str) -> str:
    return f"{PREFIX}RT-{value.replace(':', '-')}"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # router configuration, not HTML  # noqa: S701
    )
    env.filters.update(wildcard=_wildcard, junos_target=_junos_target, community=_community)
    return env


def template_name(platform: Platform) -> str:
    """The template file of a platform."""
    return f"{platform.value}.j2"


def render(context: DeviceContext) -> str:
    """The intended configuration text; :class:`IntentError` when no template exists."""
    try:
        template = _environment().get_template(template_name(context.platform))
    except jinja2.TemplateNotFound:
        raise IntentError(
            f"{context.hostname}: no template for platform {context.platform.value}"
        ) from None
    return template.render(ctx=context)


def networks(values: Sequence[str]) -> tuple[IPv4Network, ...]:
    """IPv4 networks among ``values`` (prefixes as text), in order."""
    found = [ipaddress.ip_network(v) for v in values]
    return tuple(n for n in found if isinstance(n, IPv4Network))
