"""The network plane's HTTP API, ``/api/v1/network/...``: each feature's router, under
the plane's prefix and tag.

Reads need ``network:read`` (an establishment sees only its own sites, devices,
circuits, VRFs, prefixes and maintenance windows: another tenant's answers 404); writes
need ``network:write``.
"""

from __future__ import annotations

from fastapi import APIRouter

from controlplane.api.deps import API_PREFIX
from controlplane.api.problems import PROBLEM_RESPONSES
from network.config.api import router as config_router
from network.inventory.api import router as inventory_router
from network.ipam.api import router as ipam_router
from network.polling.api import router as monitors_router
from network.sla.api import router as sla_router

router = APIRouter(prefix=f"{API_PREFIX}/network", tags=["network"], responses=PROBLEM_RESPONSES)
router.include_router(inventory_router)  # providers, sites, devices, circuits, maintenances
router.include_router(ipam_router)  # VRFs, prefix pools, prefixes
router.include_router(config_router)  # plans, apply, drift, device configs, backups, migrations
router.include_router(sla_router)  # SLA figures, breaches, contracts, the report document: /sla
router.include_router(monitors_router)  # polled devices and observed circuits: /monitors
