"""Authorization-matrix examples for the HN / CaRE tracker, regional view and checks."""

from __future__ import annotations

from controlplane.db import Scope
from controlplane.models import Tenant
from ssi.checks import service
from ssi.checks.schemas import TargetCreate
from tests.support.authz import Case, World

SSI = "/api/v1/ssi"
TRACKER = f"{SSI}/tenants/{{finess}}/indicators"
TARGETS = f"{SSI}/tenants/{{finess}}/check-targets"
CHECKS = f"{SSI}/tenants/{{finess}}/checks"


def _target(w: World, t: Tenant) -> dict[str, object]:
    # a public address (the checks refuse non-public ones); the job is never run here
    return {"name": f"t{w.new_finess()}", "host": "8.8.8.8", "ports": [9]}


def _declared(w: World, t: Tenant) -> dict[str, object]:
    """A run of checks on an endpoint the tenant declared (the job is only queued)."""
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        service.create_target(db, db.get(Tenant, t.id), TargetCreate(**_target(w, t)),
                              actor="tests")
    return {}

CASES: dict[tuple[str, str], Case] = {
    ("GET", TRACKER): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/indicators", None), tenant_bound=True),
    ("PUT", f"{TRACKER}/{{framework}}/{{item_id}}"): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/indicators/hn-prerequis/P1.1",
                      {"value": "oui"}), tenant_bound=True),
    ("GET", f"{SSI}/regional/heatmap"): Case(lambda w, t: (f"{SSI}/regional/heatmap", None)),
    ("POST", TARGETS): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/check-targets", _target(w, t)), success=201,
        tenant_bound=True),
    ("POST", f"{TARGETS}/discover"): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/check-targets/discover", None),
        tenant_bound=True),
    ("GET", TARGETS): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/check-targets", None), tenant_bound=True),
    ("POST", CHECKS): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/checks", _declared(w, t)), success=202,
        tenant_bound=True),
    ("GET", CHECKS): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/checks", None), tenant_bound=True),
}
