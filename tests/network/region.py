"""A small inventory whose CE routers are simulated routers on loopback, for the
configuration tests: each CE at its own site, with one active access circuit to a PE,
its tenant's VRF, an interconnect /30, a site LAN and the management pool.

The routers log in with a password read from an environment variable (``env:`` ref);
the SNMPv3 keys come from environment variables too. :data:`SECRETS` are their values:
tests grep everything Socle stores or answers for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

import network
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from controlplane.settings import Settings, get_settings
from network.inventory.schemas import CircuitCreate, DeviceCreate, ProviderCreate, SiteCreate
from network.ipam.schemas import PoolCreate, PrefixAllocate, VrfCreate
from network.sim.routers import SimulatedRouters
from tests.conftest import TenantFactory

SNMP_AUTH = "Auth-Key-5f2c9e71"
SNMP_PRIV = "Priv-Key-0b8d43aa"
PASSWORD_VARIABLE = "SOCLE_SECRET_NETWORK_TEST_ROUTER_PASSWORD"
INTERFACES = {"cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2", "GigabitEthernet0/3"),
              "juniper_junos": ("ge-0/0/1", "ge-0/0/2", "ge-0/0/3")}
ACTOR = "tests"


def configure_environment(monkeypatch: pytest.MonkeyPatch, routers: SimulatedRouters) -> None:
    """Secrets in the environment, short SSH timeouts; settings read again."""
    monkeypatch.setenv(PASSWORD_VARIABLE, routers.password)
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY", SNMP_AUTH)
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_SNMP_PRIV_KEY", SNMP_PRIV)
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_AUTH_REF", "env:SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_PRIV_REF", "env:SOCLE_SECRET_NETWORK_SNMP_PRIV_KEY")
    monkeypatch.setenv("SOCLE_NETWORK_SSH_TIMEOUT", "3")
    get_settings.cache_clear()


@dataclass
class Region:
    """The inventory of the simulated routers, and helpers to extend it."""

    database: Database
    routers: SimulatedRouters
    tenant: Tenant
    vrf: str = ""
    provider_mpls: str = ""
    provider_thd: str = ""
    pe: str = ""
    interconnect_pool: int = 0
    lan_pool: int = 0
    loopback_pool: int = 0  # these two made by the first add_loopback_and_lan6
    lan6_pool: int = 0
    sites: dict[str, str] = field(default_factory=dict)  # router → site code
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _tx(self):  # type: ignore[no-untyped-def]
        return self.database.transaction(scope=Scope.unrestricted())

    def setup(self) -> Region:
        """Regional objects: pools, providers, a PE, the tenant's VRF."""
        with self._tx() as db:
            network.create_pool(db, PoolCreate(name="mgmt", prefix="10.255.0.0/16",
                                               role="management"), actor=ACTOR)
            self.lan_pool = network.create_pool(
                db, PoolCreate(name="lan", prefix="10.64.0.0/12", role="site-lan"), actor=ACTOR
            ).id
            self.interconnect_pool = network.create_pool(
                db, PoolCreate(name="ic", prefix="10.1.0.0/16", role="interconnect"), actor=ACTOR
            ).id
            self.provider_mpls = network.create_provider(
                db, ProviderCreate(name="Operateur MPLS", kind="MPLS", contract_ref="C-1"),
                actor=ACTOR).name
            self.provider_thd = network.create_provider(
                db, ProviderCreate(name="Reseau THD", kind="THD", contract_ref="C-2"),
                actor=ACTOR).name
            self.pe = network.create_device(
                db, DeviceCreate(hostname="pe-regional-1", role="PE", platform="cisco_ios",
                                 mgmt_address="192.0.2.1", username="noc",
                                 credential_ref="env:SOCLE_SECRET_NETWORK_NOPE", asn=65010),
                actor=ACTOR).hostname
            self.vrf = network.create_vrf(
                db, VrfCreate(name="T-GFU", kind="tenant", tenant=self.tenant.finess,
                              service="gfu"), actor=ACTOR).name
        return self

    def add_router(self, name: str, *, access: str = "MPLS", port: int | None = None) -> str:
        """A CE for simulated router ``name``, at a new site, with an active circuit."""
        device = self.routers.device(name)
        interfaces = INTERFACES[device.platform]
        with self._tx() as db:
            site = network.create_site(db, SiteCreate(
                tenant=self.tenant.finess, code=f"SITE-{name.upper()}", name=f"Site {name}",
                address="1 rue de la Santé", access=access), actor=ACTOR)
            network.create_device(db, DeviceCreate(
                hostname=name, role="CE", platform=device.platform, site=site.code,
                mgmt_address=device.host, mgmt_port=port or device.port,
                username=device.username, credential_ref=f"env:{PASSWORD_VARIABLE}",
                asn=65100 + next(self.serial), lan_interface=interfaces[1]), actor=ACTOR)
            network.allocate(db, self.lan_pool, PrefixAllocate(length=24, site=site.code),
                             actor=ACTOR)
        self.sites[name] = site.code
        self.add_circuit(name, access=access, interface=interfaces[0], status="active")
        return name

    def add_loopback_and_lan6(self, name: str) -> tuple[str, str]:
        """Allocate router ``name``'s site a loopback /32 and an IPv6 LAN /64, as the IP
        plan does; return both prefixes."""
        with self._tx() as db:
            if not self.loopback_pool:
                self.loopback_pool = network.create_pool(db, PoolCreate(
                    name="loopbacks", prefix="10.250.0.0/24", role="loopback"), actor=ACTOR).id
                self.lan6_pool = network.create_pool(db, PoolCreate(
                    name="lan-v6", prefix="2001:db8:100::/40", role="site-lan"), actor=ACTOR).id
            site = self.sites[name]
            loopback = network.allocate(db, self.loopback_pool,
                                        PrefixAllocate(length=32, site=site), actor=ACTOR)
            lan6 = network.allocate(db, self.lan6_pool, PrefixAllocate(length=64, site=site),
                                    actor=ACTOR)
            return loopback.prefix, lan6.prefix

    def add_circuit(self, name: str, *, access: str, interface: str, status: str,
                    vlan: int | None = None) -> str:
        """A circuit from router ``name`` to the PE, with its interconnect /30."""
        ref = f"CIR-{name.upper()}-{next(self.serial)}"
        provider = self.provider_mpls if access == "MPLS" else self.provider_thd
        with self._tx() as db:
            network.create_circuit(db, CircuitCreate(
                ref=ref, provider=provider, site=self.sites[name], a_device=name,
                z_device=self.pe, a_interface=interface, vlan=vlan, access=access,
                bandwidth_mbps=100, committed_mbps=20, cos_profile="realtime",
                status=status, vrf=self.vrf), actor=ACTOR)
            network.allocate(db, self.interconnect_pool,
                             PrefixAllocate(length=30, circuit=ref), actor=ACTOR)
        return ref


# Fixtures: import them into a test module (`from tests.network.region import
# region_fixture, routers_fixture`); each module then starts its own routers once.


@pytest.fixture(name="routers", scope="module")
def routers_fixture() -> Iterator[SimulatedRouters]:
    """Three simulated CE routers on loopback (ce01 IOS, ce02 Junos, ce03 IOS)."""
    with SimulatedRouters(3, ["cisco_ios", "juniper_junos"]) as simulated:
        yield simulated


@pytest.fixture(name="region")
def region_fixture(settings: Settings, database: Database, routers: SimulatedRouters,
           make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch) -> Region:
    """A fresh inventory for the routers, back to their factory configuration."""
    routers.reset()
    configure_environment(monkeypatch, routers)
    return Region(database, routers, make_tenant()).setup()
