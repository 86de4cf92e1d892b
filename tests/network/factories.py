"""Network objects for tests, made through the service layer (audited as the test suite),
and :func:`race` to run the same work from several threads at once.

Each factory call makes fresh keys (site code, hostname, pool prefix...), so a test may
call it as often as it likes on one database.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

import network
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from network.inventory.schemas import (
    CircuitCreate,
    CircuitRead,
    DeviceCreate,
    DeviceRead,
    MaintenanceCreate,
    MaintenanceRead,
    ProviderCreate,
    ProviderRead,
    SiteCreate,
    SiteRead,
)
from network.ipam.schemas import (
    PoolCreate,
    PoolRead,
    PrefixAllocate,
    PrefixRead,
    VrfCreate,
    VrfRead,
)

R = TypeVar("R", bound=BaseModel)
ACTOR = "tests"


class NetworkFactory:
    """Fresh providers, sites, devices, circuits, windows, pools, prefixes and VRFs."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.serial = itertools.count(1)

    def _make(self, service: Callable[..., Any], read: type[R], *args: Any) -> R:
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            return read.model_validate(service(db, *args, actor=ACTOR))

    def provider(self, kind: str = "MPLS") -> ProviderRead:
        n = next(self.serial)
        data = ProviderCreate(name=f"operator-{n}", kind=kind, contract_ref=f"CTR-{n}")
        return self._make(network.create_provider, ProviderRead, data)

    def site(self, tenant: Tenant, access: str = "MPLS", **fields: Any) -> SiteRead:
        n = next(self.serial)
        data = SiteCreate(tenant=tenant.finess, code=f"S-{n}", name=f"Site {n}",
                          address=f"{n} rue de la Santé", access=access, **fields)
        return self._make(network.create_site, SiteRead, data)

    def device(self, site: SiteRead | None = None, *, platform: str = "cisco_ios",
               **fields: Any) -> DeviceRead:
        n = next(self.serial)
        data = DeviceCreate(
            hostname=f"{'ce' if site else 'pe'}-{n}", role="CE" if site else "PE",
            platform=platform, site=site.code if site else None, mgmt_address=f"192.0.2.{n % 250}",
            username="socle", credential_ref="env:SOCLE_SECRET_NETWORK_TEST", **fields)
        return self._make(network.create_device, DeviceRead, data)

    def circuit(self, tenant: Tenant, *, provider: ProviderRead | None = None,
                site: SiteRead | None = None, **fields: Any) -> CircuitRead:
        provider = provider or self.provider()
        site = site or self.site(tenant, access=provider.kind)
        data = CircuitCreate(ref=f"CIR-{next(self.serial)}", provider=provider.name,
                             site=site.code, bandwidth_mbps=100, committed_mbps=20, **fields)
        return self._make(network.create_circuit, CircuitRead, data)

    def maintenance(self, tenant: Tenant | None = None, *, circuit: CircuitRead | None = None,
                    provider: ProviderRead | None = None,
                    starts_at: datetime | None = None) -> MaintenanceRead:
        """A window on ``circuit`` (or a new circuit of ``tenant``), else on ``provider``'s
        network (or a new provider's)."""
        starts_at = starts_at or datetime(2026, 12, 1, 22, tzinfo=UTC)
        if circuit is None and tenant is not None:
            circuit = self.circuit(tenant)
        target = ({"circuit": circuit.ref} if circuit else
                  {"provider": (provider or self.provider()).name})
        data = MaintenanceCreate(starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
                                 reason="software upgrade", **target)
        return self._make(network.create_maintenance, MaintenanceRead, data)

    def ipv4_block(self, length: int = 16) -> str:
        """A fresh IPv4 block (10.N.0.0/length), overlapping no other this factory made."""
        return f"10.{next(self.serial) % 256}.0.0/{length}"

    def pool(self, prefix: str | None = None, role: str = "site-lan") -> PoolRead:
        data = PoolCreate(name=f"pool-{next(self.serial)}", prefix=prefix or self.ipv4_block(),
                          role=role)
        return self._make(network.create_pool, PoolRead, data)

    def prefix(self, tenant: Tenant | None = None, *, pool: PoolRead | None = None,
               length: int = 24) -> PrefixRead:
        """A prefix allocated from ``pool`` (a fresh one by default) to a site of ``tenant``."""
        pool = pool or self.pool()
        site = self.site(tenant).code if tenant else None
        return self._make(network.allocate, PrefixRead, pool.id,
                          PrefixAllocate(length=length, site=site))

    def vrf(self, tenant: Tenant | None = None, **fields: Any) -> VrfRead:
        """A tenant VRF of ``tenant``, or a shared-services VRF."""
        n = next(self.serial)
        data = VrfCreate(name=f"VRF-{n}", kind="tenant" if tenant else "shared",
                         tenant=tenant.finess if tenant else None, service=f"svc-{n}", **fields)
        return self._make(network.create_vrf, VrfRead, data)


def race(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``workers`` threads released together; results or exceptions."""
    start = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
