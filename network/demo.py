"""The demo network: the simulated CE routers of ``socle sim up`` as a small region.

``socle demo`` calls :func:`seed`. When the simulated routers run, each becomes the CE of
a demo establishment's site with an active MPLS access circuit to a regional PE, the
tenant's VRF, an interconnect /30 and a site LAN, so that ``socle network plan`` and
``apply`` work at once. The routers' password and the SNMPv3 keys go to 0600 files of
the network plane's secrets, ``SOCLE_DATA_DIR/secrets/network/``: the keys to the files
the settings' ``file:`` references name (by default ``snmp-auth.key`` and
``snmp-priv.key``), so the demo works however Socle is started. When
the simulated SNMP agents and the probe reflector run too, each router is polled and
each circuit observed (its flapping Gi0/0 and the reflector), so the SLA figures fill in
live. Idempotent.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.models import Tenant
from controlplane.settings import Settings
from network.inventory import service as inventory
from network.inventory.models import Provider
from network.inventory.schemas import CircuitCreate, DeviceCreate, ProviderCreate, SiteCreate
from network.ipam import service as ipam
from network.ipam import vrfs
from network.ipam.schemas import PoolCreate, PrefixAllocate, VrfCreate
from network.polling import service as polling
from network.polling.schemas import CircuitMonitorSet, DeviceMonitorSet
from network.secrets import SECRETS

PROVIDER = "Opérateur MPLS (démo)"
ROUTERS_STATE = "sim/network-routers.json"
AGENTS_STATE = "sim/network-snmp-agents.json"
REFLECTOR_STATE = "sim/network-probe-reflector.json"
WATCHED_IF_INDEX = 1  # the agents' Gi0/0, the interface that goes down and up
PASSWORD_FILE = "demo-routers.key"  # noqa: S105 (a file name)
INTERFACES = {"cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
              "juniper_junos": ("ge-0/0/1", "ge-0/0/2")}


def snmp_key_files(settings: Settings) -> tuple[str, ...]:
    """The files the SNMPv3 key references name (none when one is an ``env:``
    reference: the demo cannot set a variable for the processes to come)."""
    refs = (settings.network_snmp_auth_ref, settings.network_snmp_priv_ref)
    if not all(ref.startswith("file:") for ref in refs):
        return ()
    return tuple(ref.removeprefix("file:") for ref in refs)


def seed(db: Session, *, actor: str, settings: Settings) -> list[str]:
    """Build the demo network on the running simulated routers; what was done, in words."""
    state = settings.data_dir / ROUTERS_STATE
    if not state.exists():
        return ["network: the simulated routers are not running (socle sim up): no demo network"]
    if db.scalar(select(Provider.id).where(Provider.name == PROVIDER)) is not None:
        return ["network: demo network already there"]
    devices = json.loads(state.read_text())["devices"]
    SECRETS.store_file(settings.data_dir, PASSWORD_FILE, devices[0]["password"])
    for name in snmp_key_files(settings):
        SECRETS.store_file(settings.data_dir, name, secrets.token_urlsafe(16), replace=False)
    tenants = list(db.scalars(select(Tenant).where(Tenant.kind == "ES").order_by(Tenant.finess)))
    lan = ipam.create_pool(db, PoolCreate(name="demo-lan", prefix="10.64.0.0/12",
                                          role="site-lan"), actor=actor)
    interconnects = ipam.create_pool(db, PoolCreate(name="demo-ic", prefix="10.1.0.0/16",
                                                    role="interconnect"), actor=actor)
    ipam.create_pool(db, PoolCreate(name="demo-mgmt", prefix="10.255.0.0/16",
                                    role="management"), actor=actor)
    inventory.create_provider(db, ProviderCreate(name=PROVIDER, kind="MPLS",
                                                 contract_ref="DEMO-MPLS-1"), actor=actor)
    pe = inventory.create_device(db, DeviceCreate(
        hostname="pe-regional-1", role="PE", platform="cisco_ios", mgmt_address="192.0.2.1",
        username="noc", credential_ref=f"file:{PASSWORD_FILE}", asn=settings.network_asn,
    ), actor=actor)
    circuits: dict[str, str] = {}
    for index, (device, tenant) in enumerate(zip(devices, tenants, strict=False), start=1):
        vrf = vrfs.create_vrf(db, VrfCreate(name=f"GFU-{tenant.finess}", kind="tenant",
                                            tenant=tenant.finess, service="gfu"), actor=actor)
        site = inventory.create_site(db, SiteCreate(
            tenant=tenant.finess, code=f"DEMO-{device['name'].upper()}",
            name=f"Site principal {tenant.name}", address="1 rue de la Santé", access="MPLS",
        ), actor=actor)
        interfaces = INTERFACES[device["platform"]]
        inventory.create_device(db, DeviceCreate(
            hostname=device["name"], role="CE", platform=device["platform"], site=site.code,
            mgmt_address=device["host"], mgmt_port=device["port"], username=device["username"],
            credential_ref=f"file:{PASSWORD_FILE}", asn=65100 + index,
            lan_interface=interfaces[1],
        ), actor=actor)
        ipam.allocate(db, lan.id, PrefixAllocate(length=24, site=site.code), actor=actor)
        ref = f"DEMO-MPLS-{index:03d}"
        inventory.create_circuit(db, CircuitCreate(
            ref=ref, provider=PROVIDER, site=site.code, a_device=device["name"],
            z_device=pe.hostname, a_interface=interfaces[0], access="MPLS",
            bandwidth_mbps=100, committed_mbps=20, cos_profile="realtime", status="active",
            vrf=vrf.name,
        ), actor=actor)
        ipam.allocate(db, interconnects.id, PrefixAllocate(length=30, circuit=ref), actor=actor)
        circuits[device["name"]] = ref
    said = [f"network: {len(circuits)} CE router(s) of the simulated region registered; "
            "try `socle network plan`"]
    return said + _monitors(db, settings, circuits, actor=actor)


def _monitors(
    db: Session, settings: Settings, circuits: dict[str, str], *, actor: str
) -> list[str]:
    """Poll each router at its simulated SNMP agent and probe each circuit's reflector.

    The agents share one SNMPv3 user and key pair: the keys go to the files the poller's
    settings name; the user is ``SOCLE_NETWORK_SNMP_USER`` (the agents' default too)."""
    agents_state = settings.data_dir / AGENTS_STATE
    if not agents_state.exists():
        return ["network: no simulated SNMP agents (socle sim up): circuits not polled"]
    agents = {a["name"]: a for a in json.loads(agents_state.read_text())["agents"]}
    reflector_state = settings.data_dir / REFLECTOR_STATE
    reflector = json.loads(reflector_state.read_text()) if reflector_state.exists() else None
    polled = [name for name in circuits if name in agents]
    files = snmp_key_files(settings)
    if polled and not files:
        return ["network: the SNMPv3 key settings are env: references, which the demo cannot "
                "set: circuits not polled (use file: references)"]
    if polled:
        v3 = agents[polled[0]]["v3"]
        for name, key in zip(files, (v3["auth_key"], v3["priv_key"]), strict=True):
            SECRETS.store_file(settings.data_dir, name, key)
    ports = reflector.get("ports", [reflector["port"]]) if reflector else []
    for index, name in enumerate(polled):
        agent = agents[name]
        polling.set_device_monitor(db, name, DeviceMonitorSet(
            snmp_host=agent["host"], snmp_port=agent["port"]), actor=actor)
        polling.set_circuit_monitor(db, circuits[name], CircuitMonitorSet(
            if_index=WATCHED_IF_INDEX,
            probe_host=reflector["host"] if reflector else None,
            probe_port=ports[index % len(ports)] if reflector else None,  # one per circuit
        ), actor=actor)
    return [f"network: {len(polled)} router(s) polled over SNMPv3 and their circuits probed "
            "(SLA figures fill in as the poll cycles run)"]
