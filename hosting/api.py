"""The hosting plane's HTTP API, ``/api/v1/hosting/...``: each feature's router, under
the plane's prefix and tag.

Reads need ``hosting:read`` (an establishment sees only its own requests,
subscriptions, backups, archives and quota: another tenant's answers 404); an
establishment requests with ``hosting:request``; operators write the catalogue and
decide requests with ``hosting:write``.
"""

from __future__ import annotations

from fastapi import APIRouter

from controlplane.api.deps import API_PREFIX
from controlplane.api.problems import PROBLEM_RESPONSES
from hosting.archive.api import router as archive_router
from hosting.backup.api import router as backup_router
from hosting.catalogue.api import router as catalogue_router
from hosting.dr.api import router as dr_router
from hosting.providers.api import router as providers_router
from hosting.pulumi.api import router as pulumi_router
from hosting.subscriptions.api import router as subscriptions_router

router = APIRouter(prefix=f"{API_PREFIX}/hosting", tags=["hosting"], responses=PROBLEM_RESPONSES)
router.include_router(providers_router)  # /providers
router.include_router(catalogue_router)  # /offers
router.include_router(subscriptions_router)  # /requests, /subscriptions, /quotas
router.include_router(archive_router)  # /archives
router.include_router(pulumi_router)  # /subscriptions/{id}/pulumi
router.include_router(backup_router)  # policies, backups, restore tests, alerts
router.include_router(dr_router)  # /dr-plans, /dr-exercises
