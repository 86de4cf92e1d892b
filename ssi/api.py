"""SSI plane HTTP API: ``/api/v1/ssi`` (frameworks, campaigns, assessments, risk studies,
indicators, PSSI, regional view). Each part has its own router module, included here."""

from __future__ import annotations

from fastapi import APIRouter

from controlplane.api.deps import API_PREFIX
from controlplane.api.problems import PROBLEM_RESPONSES
from ssi import (
    api_campaigns,
    api_checks,
    api_frameworks,
    api_indicators,
    api_pssi,
    api_regional,
    api_risks,
)

router = APIRouter(prefix=f"{API_PREFIX}/ssi", tags=["ssi"], responses=PROBLEM_RESPONSES)
router.include_router(api_frameworks.router)
router.include_router(api_campaigns.router)
router.include_router(api_risks.router)
router.include_router(api_pssi.router)
router.include_router(api_indicators.router)
router.include_router(api_regional.router)
router.include_router(api_checks.router)
