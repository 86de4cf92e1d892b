"""The SSI plane's HTTP API, ``/api/v1/ssi/...``: each feature's router, under the plane's
prefix and tag (frameworks, campaigns and assessments, risk studies, PSSI drafts, the
HN / CaRE tracker and the regional view, technical checks)."""

from __future__ import annotations

from fastapi import APIRouter

from controlplane.api.deps import API_PREFIX
from controlplane.api.problems import PROBLEM_RESPONSES
from ssi.campaigns.api import router as campaigns_router
from ssi.checks.api import router as checks_router
from ssi.library.api import router as library_router
from ssi.pssi.api import router as pssi_router
from ssi.risks.api import router as risks_router
from ssi.tracker.api import router as tracker_router

router = APIRouter(prefix=f"{API_PREFIX}/ssi", tags=["ssi"], responses=PROBLEM_RESPONSES)
router.include_router(library_router)  # /frameworks
router.include_router(campaigns_router)  # /campaigns, /assessments
router.include_router(risks_router)  # /risk-studies
router.include_router(pssi_router)  # /tenants/{finess}/pssi
router.include_router(tracker_router)  # /tenants/{finess}/indicators, /regional/heatmap
router.include_router(checks_router)  # /tenants/{finess}/check-targets, .../checks
