"""SSI plane tables (campaigns and assessments, risk studies, indicator tracking).

Modules of the plane add their tables here; every table holding an establishment's data
is ``TenantScoped``.
"""

from __future__ import annotations

from ssi.tracker_models import IndicatorDeclaration  # noqa: F401  (HN/CaRE tracker)
