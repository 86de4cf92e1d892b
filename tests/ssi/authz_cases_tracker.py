"""Authorization-matrix examples for the HN / CaRE tracker, regional view and checks."""

from __future__ import annotations

from tests.support.authz import Case

SSI = "/api/v1/ssi"
TRACKER = f"{SSI}/tenants/{{finess}}/indicators"

CASES: dict[tuple[str, str], Case] = {
    ("GET", TRACKER): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/indicators", None), tenant_bound=True),
    ("PUT", f"{TRACKER}/{{framework}}/{{item_id}}"): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/indicators/hn-prerequis/P1.1",
                      {"value": "oui"}), tenant_bound=True),
    ("GET", f"{SSI}/regional/heatmap"): Case(lambda w, t: (f"{SSI}/regional/heatmap", None)),
}
