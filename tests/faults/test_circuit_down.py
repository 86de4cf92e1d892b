"""``circuit-down`` and ``slow-link`` on real peers (snmpsim agents, the probe reflector,
both behind the relays the faults act on): a dead single-homed site is *down* in the SLA
figures (its agent and probe target silent while another site answers in the same
cycle), with its breach and penalty; cleared, its next minute is up again; a slow link
shows in the probe figures while its device still answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.faults import FaultBook
from network.sim.snmp_agents import SimulatedAgents
from network.sla import service
from tests.conftest import TenantFactory, TokenFactory
from tests.faults.conftest import sim_fault
from tests.faults.network_region import (  # noqa: F401  (fixtures)
    NET,
    agents_fixture,
    book_fixture,
    live,
    make_sites,
    month,
    observe,
    region_faults_fixture,
    sla_line,
    with_reflector,
)


def test_a_dead_site_is_down_and_breaches_and_comes_back(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        fault = sim_fault("inject", "circuit-down", sites.first_site, "--json")
        assert f"127.0.0.1:{ports[0]}" in fault["selectors"]["endpoint"]
        assert f"127.0.0.1:{agents.agents[0].port}" in fault["selectors"]["endpoint"]
        observe(database, agents)

        dead, alive = sla_line(database, sites.first.ref), sla_line(database, sites.second.ref)
        # every minute it was observed in is down (one, or two if the minute turned)
        assert dead["down_minutes"] >= 1 and dead["measured_minutes"] == dead["down_minutes"]
        assert dead["availability_pct"] == 0.0 and "availability" in dead["breaches"]
        assert (alive["down_minutes"], alive["availability_pct"]) == (0, 100.0)
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            period = month()
            (breach,) = [b for b in service.breaches(db, period, period)
                         if b.circuit == sites.first.ref and b.metric == "availability"]
        assert breach.penalty_cents > 0
        devices = client.get(f"{NET}/monitors/devices", headers=auth(Role.GCS_OPERATOR)).json()
        states = {d["device"]: (d["state"], d["reason"]) for d in devices["items"]}
        assert ("unreachable", "timeout") in states.values() and ("ok", None) in states.values()
        # the live figures say what the SLA says: the dead site's circuit down, not unknown
        assert live("socle_circuit_up", circuit=sites.first.ref) == 0
        assert live("socle_circuit_up", circuit=sites.second.ref) == 1

        sim_fault("clear", fault["id"])
        observe(database, agents)  # the site answers again: its minute is up
        assert live("socle_circuit_up", circuit=sites.first.ref) == 1
        back = sla_line(database, sites.first.ref)
        assert back["measured_minutes"] > back["down_minutes"]
        assert back["down_minutes"] <= dead["down_minutes"]

    with_reflector(book, scenario)


def test_a_slow_link_shows_in_the_probes_and_the_device_still_answers(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        sim_fault("inject", "slow-link", sites.first.ref, "--delay-ms", "120", "--loss-pct",
                  "0", "--json")
        observe(database, agents)
        slow, alive = sla_line(database, sites.first.ref), sla_line(database, sites.second.ref)
        assert slow["rtt_p95_ms"] >= 120 > alive["rtt_p95_ms"]
        assert slow["down_minutes"] == 0 and slow["availability_pct"] == 100.0
        assert "latency" in slow["breaches"]

    with_reflector(book, scenario)


def test_when_nothing_answers_at_all_the_minutes_stay_unknown(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    # Every site silent at once: the collector's own network is suspect, not the sites.
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        for circuit in (sites.first, sites.second):
            sim_fault("inject", "circuit-down", circuit.ref, "--json")
        observe(database, agents)
        for circuit in (sites.first, sites.second):
            line = sla_line(database, circuit.ref)
            assert (line["down_minutes"], line["measured_minutes"]) == (0, 0)
            assert line["availability_pct"] is None and line["breaches"] == []

    with_reflector(book, scenario)
