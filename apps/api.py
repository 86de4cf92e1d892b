"""The apps plane's HTTP API, ``/api/v1/apps/...``: each feature's router, under the
plane's prefix and tag (services, releases, targets, enrolments, deployments,
instances, the Ansible inventory). Reads need ``apps:read``, writes ``apps:write``."""

from __future__ import annotations

from fastapi import APIRouter

from apps.catalogue.api import router as catalogue_router
from apps.deployments.api import router as deployments_router
from apps.enrolments.api import router as enrolments_router
from apps.targets.api import router as targets_router
from controlplane.api.deps import API_PREFIX
from controlplane.api.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/apps", tags=["apps"], responses=PROBLEM_RESPONSES)
router.include_router(catalogue_router)  # /services, /releases
router.include_router(targets_router)  # /targets, /inventory
router.include_router(enrolments_router)  # /enrolments
router.include_router(deployments_router)  # /deployments, /instances
