"""Authorization-matrix example for ``GET /network/sla/report`` (network/sla/api.py):
a computed report, scoped by the session (an establishment's holds its own circuits),
never tenant-bound."""

from __future__ import annotations

from tests.support.authz import Case

NET = "/api/v1/network"

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{NET}/sla/report"): Case(
        lambda w, t: (f"{NET}/sla/report?period=2026-12&group_by=department&format=csv", None)),
}
