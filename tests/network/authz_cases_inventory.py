"""Authorization-matrix examples for the inventory's ``PATCH`` and ``DELETE`` routes
(:mod:`network.inventory.api`, :mod:`network.ipam.api`): writes, so ``network:write``
roles only; objects of one
tenant are tenant-bound (another tenant's answers 404)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.authz import Case

NET = "/api/v1/network"
LATER = datetime(2027, 1, 5, 2, tzinfo=UTC).isoformat()

CASES: dict[tuple[str, str], Case] = {
    ("PATCH", f"{NET}/providers/{{provider_id}}"): Case(
        lambda w, t: (f"{NET}/providers/{w.net.provider().id}", {"contract_ref": "C-2"})),
    ("DELETE", f"{NET}/providers/{{provider_id}}"): Case(
        lambda w, t: (f"{NET}/providers/{w.net.provider().id}", None), success=204),
    ("PATCH", f"{NET}/sites/{{site_id}}"): Case(
        lambda w, t: (f"{NET}/sites/{w.net.site(t).id}", {"name": "renamed"}),
        tenant_bound=True),
    ("DELETE", f"{NET}/sites/{{site_id}}"): Case(
        lambda w, t: (f"{NET}/sites/{w.net.site(t).id}", None), success=204, tenant_bound=True),
    ("PATCH", f"{NET}/devices/{{device_id}}"): Case(
        lambda w, t: (f"{NET}/devices/{w.net.device(w.net.site(t)).id}", {"mgmt_port": 2222}),
        tenant_bound=True),
    ("DELETE", f"{NET}/devices/{{device_id}}"): Case(
        lambda w, t: (f"{NET}/devices/{w.net.device(w.net.site(t)).id}", None), success=204,
        tenant_bound=True),
    ("PATCH", f"{NET}/circuits/{{circuit_id}}"): Case(
        lambda w, t: (f"{NET}/circuits/{w.net.circuit(t).id}", {"committed_mbps": 50}),
        tenant_bound=True),
    ("DELETE", f"{NET}/circuits/{{circuit_id}}"): Case(
        lambda w, t: (f"{NET}/circuits/{w.net.circuit(t).id}", None), success=204,
        tenant_bound=True),
    ("PATCH", f"{NET}/maintenances/{{maintenance_id}}"): Case(
        lambda w, t: (f"{NET}/maintenances/{w.net.maintenance(t).id}", {"ends_at": LATER}),
        tenant_bound=True),
    ("DELETE", f"{NET}/maintenances/{{maintenance_id}}"): Case(
        lambda w, t: (f"{NET}/maintenances/{w.net.maintenance(t).id}", None), success=204,
        tenant_bound=True),
    ("PATCH", f"{NET}/vrfs/{{vrf_id}}"): Case(
        lambda w, t: (f"{NET}/vrfs/{w.net.vrf(t).id}", {"rd": f"65010:{next(w.serials) + 5000}"}),
        tenant_bound=True),
    ("DELETE", f"{NET}/vrfs/{{vrf_id}}"): Case(
        lambda w, t: (f"{NET}/vrfs/{w.net.vrf(t).id}", None), success=204, tenant_bound=True),
}
