"""Network plane: the inventory (providers, sites, devices, circuits, maintenance windows),
the IP/VPN plan (prefix pools, allocated prefixes, VRFs with RD/RT and their
hub-and-spoke policy), and the routers' configuration (rendered intent, plan/apply
through the reconcile framework, backups and drift, MPLS→THD migrations).

Other planes call the network plane only through what is listed here.
"""

from network import models as _models  # noqa: F401  (registers every feature's tables)
from network.config.flows import BACKUP_JOB, enqueue_backups  # registers the backup job
from network.config.reconcile import CONFIG_KIND, MIGRATION_KIND  # registers the reconcilers
from network.inventory.platforms import Platform
from network.inventory.schemas import SiteCreate
from network.inventory.service import (
    circuit_query,
    create_circuit,
    create_device,
    create_maintenance,
    create_provider,
    create_site,
    device_query,
    maintenance_query,
    provider_query,
    site_accesses,
    site_query,
)
from network.ipam.service import (
    allocate,
    assign,
    create_pool,
    next_free,
    pool_query,
    prefix_query,
    release,
)
from network.ipam.vpn import VrfPolicy, reachability, violations
from network.ipam.vrfs import as_policy, create_vrf, vrf_query
from network.polling import flows as _polling_flows  # noqa: F401  (registers polling jobs)

__all__ = [
    "BACKUP_JOB",
    "CONFIG_KIND",
    "MIGRATION_KIND",
    "Platform",
    "SiteCreate",
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
    "enqueue_backups",
    "maintenance_query",
    "next_free",
    "pool_query",
    "prefix_query",
    "provider_query",
    "reachability",
    "release",
    "site_accesses",
    "site_query",
    "violations",
    "vrf_query",
]
