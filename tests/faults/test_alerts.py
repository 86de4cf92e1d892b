"""The shipped alert rules, in a real Prometheus scraping the live API while the poller
and the prober run against the faulty simulated region (poll and probe every second,
the rules' ``for:`` read in seconds): what an operator's Alertmanager would receive.

- a dead site fires ``CircuitDown`` for its circuit and ``DeviceUnreachable`` for its
  router, nothing for the site that works;
- a router refusing Socle's credentials fires ``DeviceCredentialsRefused``, and its
  circuit, whose probes answer, is not down;
- a dead site inside a maintenance window fires nothing about its circuit;
- cleared, the alerts resolve.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.db import Database, utcnow
from controlplane.faults import FaultBook
from controlplane.settings import Settings
from network.sim.snmp_agents import SimulatedAgents
from tests.conftest import TenantFactory, TokenFactory
from tests.faults.conftest import sim_fault
from tests.faults.network_region import (  # noqa: F401  (fixtures)
    NET,
    agents_fixture,
    book_fixture,
    make_sites,
    observe,
    region_faults_fixture,
    with_reflector,
)
from tests.support.live_server import serve
from tests.support.prometheus import alerts, ask, firing, running_prometheus

QUIET_SECONDS = 6.0  # three times the longest `for:` that could fire here (2m -> 2s)


@pytest.fixture
def database_url(sqlite_factory: Any) -> str:
    """SQLite only: what is tested is what Prometheus makes of the exposition."""
    return str(sqlite_factory.new_url())


@contextmanager
def collecting(database: Database, agents: SimulatedAgents) -> Iterator[None]:
    """Poll cycles and probe rounds every second in the background, as the poller does."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            observe(database, agents)
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name="poller", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def held(prometheus: str, name: str, **labels: str) -> list[dict[str, Any]]:
    """The alerts ``name`` with ``labels`` Prometheus holds now, pending or firing."""
    return [a for a in alerts(prometheus) if a["labels"]["alertname"] == name
            and labels.items() <= a["labels"].items()]


def stays_quiet(prometheus: str, name: str, **labels: str) -> None:
    """``name`` with ``labels`` is neither pending nor firing for QUIET_SECONDS."""
    deadline = time.monotonic() + QUIET_SECONDS
    while time.monotonic() < deadline:
        assert held(prometheus, name, **labels) == [], (name, labels)
        time.sleep(0.5)


def resolves(prometheus: str, name: str, **labels: str) -> None:
    """Wait until ``name`` with ``labels`` is no longer held."""
    deadline = time.monotonic() + 60
    while held(prometheus, name, **labels):
        assert time.monotonic() < deadline, f"{name} {labels} never resolved"
        time.sleep(0.5)


def test_faults_fire_the_alerts_an_operator_needs_and_nothing_else(
    client: TestClient, database: Database, settings: Settings, make_tenant: TenantFactory,
    auth: TokenFactory, agents: SimulatedAgents, book: FaultBook, tmp_path: Path,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        dead_router, refusing_router = (r.hostname for r in sites.routers)
        with serve(create_app(settings, database), name="socle-api") as api, \
                running_prometheus(api, tmp_path, data_dir=settings.data_dir,
                                   seconds_for_minutes=True) as prometheus, \
                collecting(database, agents):
            # a dead single-homed site
            down = sim_fault("inject", "circuit-down", sites.first_site, "--json")
            alert = firing(prometheus, "CircuitDown", circuit=sites.first.ref)
            assert alert["labels"]["severity"] == "critical"
            firing(prometheus, "DeviceUnreachable", device=dead_router, reason="timeout")
            assert held(prometheus, "CircuitDown", circuit=sites.second.ref) == []

            # the other router refuses Socle's credentials: its own alert, not an outage
            refused = sim_fault("inject", "snmp-auth", refusing_router, "--json")
            firing(prometheus, "DeviceCredentialsRefused", device=refusing_router)
            stays_quiet(prometheus, "CircuitDown", circuit=sites.second.ref)
            stays_quiet(prometheus, "DeviceUnreachable", device=refusing_router)
            up = ask(prometheus, f'/api/v1/query?query=socle_circuit_up{{circuit="'
                                 f'{sites.second.ref}"}}')["result"]
            assert [series["value"][1] for series in up] == ["1"]  # its probes answer

            # cleared: everything resolves
            sim_fault("clear", down["id"])
            sim_fault("clear", refused["id"])
            resolves(prometheus, "CircuitDown", circuit=sites.first.ref)
            resolves(prometheus, "DeviceCredentialsRefused", device=refusing_router)
            resolves(prometheus, "DeviceUnreachable", device=dead_router)

            # the same dead site inside a maintenance window: no alert about its circuit
            now = utcnow()
            window = client.post(f"{NET}/maintenances", headers=auth(Role.NETWORK_ENGINEER),
                                 json={"circuit": sites.first.ref,
                                       "starts_at": (now - timedelta(minutes=5)).isoformat(),
                                       "ends_at": (now + timedelta(hours=1)).isoformat(),
                                       "reason": "fibre splicing"})
            assert window.status_code == 201, window.text
            sim_fault("inject", "circuit-down", sites.first_site, "--json")
            firing(prometheus, "DeviceUnreachable", device=dead_router)
            stays_quiet(prometheus, "CircuitDown", circuit=sites.first.ref)
            held_down = ask(prometheus, f'/api/v1/query?query=socle_circuit_in_maintenance{{'
                                        f'circuit="{sites.first.ref}"}}')["result"]
            assert [series["value"][1] for series in held_down] == ["1"]

    with_reflector(book, scenario)
