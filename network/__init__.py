"""Network plane: the inventory (providers, sites, devices, circuits, maintenance windows)
and the IP/VPN plan (prefix pools, allocated prefixes, VRFs with RD/RT and their
hub-and-spoke policy).

Other planes call the network plane only through what is listed here.
"""

from network.inventory import (
    circuit_query,
    create_circuit,
    create_device,
    create_maintenance,
    create_provider,
    create_site,
    device_query,
    maintenance_query,
    provider_query,
    site_query,
)
from network.ipam import allocate, assign, create_pool, next_free, pool_query, prefix_query, release
from network.platforms import Platform
from network.vpn import VrfPolicy, reachability, violations
from network.vrfs import as_policy, create_vrf, vrf_query

__all__ = [
    "Platform",
    "VrfPolicy",
    "allocate",
    "as_policy",
    "assign",
    "circuit_query",
    "create_circuit",
    "create_device",
    "create_maintenance",
    "create_pool",
    "create_provider",
    "create_site",
    "create_vrf",
    "device_query",
    "maintenance_query",
    "next_free",
    "pool_query",
    "prefix_query",
    "provider_query",
    "reachability",
    "release",
    "site_query",
    "violations",
    "vrf_query",
]
