"""SSI plane tables (campaigns and assessments, risk studies, indicator tracking).

Modules of the plane add their tables here; every table holding an establishment's data
is ``TenantScoped``.
"""

from __future__ import annotations
