"""Authorization-matrix examples for polling monitors and SLA breach events."""

from __future__ import annotations

from tests.support.authz import Case

NET = "/api/v1/network"

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{NET}/monitors/devices"): Case(lambda w, t: (f"{NET}/monitors/devices", None)),
    ("PUT", f"{NET}/monitors/devices/{{hostname}}"): Case(
        lambda w, t: (f"{NET}/monitors/devices/{w.net.device(w.net.site(t)).hostname}",
                      {"snmp_port": 1161}), tenant_bound=True),
    ("GET", f"{NET}/monitors/circuits"): Case(lambda w, t: (f"{NET}/monitors/circuits", None)),
    ("PUT", f"{NET}/monitors/circuits/{{ref}}"): Case(
        lambda w, t: (f"{NET}/monitors/circuits/{w.net.circuit(t).ref}",
                      {"probe_host": "127.0.0.1", "probe_port": 8620}), tenant_bound=True),
    # events are scoped by the session (an establishment lists its own), never tenant-bound
    ("GET", f"{NET}/sla/events"): Case(lambda w, t: (f"{NET}/sla/events?period=2026-12", None)),
}
