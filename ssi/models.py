"""SSI plane tables (campaigns and assessments, risk studies, indicator tracking).

Modules of the plane add their tables here; every table holding an establishment's data
is ``TenantScoped``.
"""

from __future__ import annotations

from ssi.campaigns_models import Assessment, Campaign  # noqa: F401  (diagnostic flash)
from ssi.checks.models import CheckResult, CheckTarget  # noqa: F401  (technical checks)
from ssi.risks_models import RiskStudy  # noqa: F401  (EBIOS RM studies)
from ssi.tracker_models import IndicatorDeclaration  # noqa: F401  (HN/CaRE tracker)
