"""Authorization-matrix example for ``GET /audit/export`` (``audit:read``): the audit
log as JSON lines for a SIEM."""

from __future__ import annotations

from tests.support.authz import Case

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/audit/export"): Case(lambda w, t: ("/api/v1/audit/export", None)),
}
